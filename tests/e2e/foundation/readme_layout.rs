//! The README's layout section names what is in the tree: every path it lists exists, and
//! every workspace member and every folder of `core/src` is listed.

use std::path::Path;

fn layout() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let start = readme
        .find("<!-- layout:start -->")
        .expect("layout start marker");
    let end = readme
        .find("<!-- layout:end -->")
        .expect("layout end marker");
    readme[start..end].to_owned()
}

/// The paths in the first column, braces expanded (`a/{b,c}/` is `a/b/` and `a/c/`).
fn listed_paths(layout: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for row in layout.lines().filter(|l| l.starts_with("| `")) {
        let first = row.split('|').nth(1).unwrap_or("");
        for path in first.split('`').skip(1).step_by(2) {
            match (path.find('{'), path.find('}')) {
                (Some(open), Some(close)) => {
                    for part in path[open + 1..close].split(',') {
                        paths.push(format!("{}{part}{}", &path[..open], &path[close + 1..]));
                    }
                }
                _ => paths.push(path.to_owned()),
            }
        }
    }
    paths
}

#[test]
fn every_listed_path_exists_and_every_crate_and_core_folder_is_listed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let layout = layout();
    let paths = listed_paths(&layout);
    assert!(paths.len() > 10, "{paths:?}");
    for path in &paths {
        assert!(
            root.join(path).exists(),
            "README layout names {path}, which is not in the tree"
        );
    }
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    let members = manifest
        .lines()
        .find(|l| l.starts_with("members"))
        .expect("workspace members");
    for member in members.split('"').skip(1).step_by(2) {
        assert!(
            paths.iter().any(|p| p.trim_end_matches('/') == member),
            "workspace member {member} is not in the README layout"
        );
    }
    for entry in std::fs::read_dir(root.join("core/src")).expect("core/src") {
        let entry = entry.expect("entry");
        if entry.path().is_dir() {
            let name = format!("core/src/{}/", entry.file_name().to_string_lossy());
            assert!(layout.contains(&name), "{name} is not in the README layout");
        }
    }
}
