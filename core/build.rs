// The migrations are embedded by a macro; rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
