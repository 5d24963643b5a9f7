//! Rebuild when a slide or a recording is added or removed: include_dir! embeds those
//! directories but cargo only tracks the files it saw at the last build.
fn main() {
    println!("cargo:rerun-if-changed=slides");
    println!("cargo:rerun-if-changed=demos");
}
