// The migrations are embedded by a macro; rebuild when they change. The digest of the
// PostgreSQL migrations compiled in names the test template database, so a test binary
// always gets a template made from exactly the migrations it carries.
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
    let root = Path::new("../migrations/postgres");
    let mut files = Vec::new();
    collect(root, &mut files);
    files.sort();
    // FNV-1a, 64 bits: a build script without dependencies; collisions are not a threat
    // here, only accidental reuse of a stale template.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for path in &files {
        let relative = path.strip_prefix(root).unwrap_or(path);
        feed(relative.to_string_lossy().as_bytes());
        feed(&[0]);
        feed(&std::fs::read(path).unwrap_or_default());
        feed(&[0]);
    }
    println!("cargo:rustc-env=EHEALTH_POSTGRES_MIGRATIONS_DIGEST={hash:016x}");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
