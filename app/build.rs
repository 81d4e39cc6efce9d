//! `embed_migrations!` reads `../migrations` while the crate compiles, and
//! cargo does not know that: without this, a new migration is left out of
//! the binary until some source file of the crate changes.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
