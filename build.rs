//! Rebuild when a slide or a recording is added or removed: include_dir! embeds those
//! directories but cargo only tracks the files it saw at the last build. Also compiles
//! kdeck's own syntax definitions (assets/syntaxes/*.sublime-syntax) into one syntect
//! dump in OUT_DIR, which src/highlight.rs embeds: the binary needs no YAML parser.
fn main() {
    println!("cargo:rerun-if-changed=slides");
    println!("cargo:rerun-if-changed=demos");
    println!("cargo:rerun-if-changed=assets/syntaxes");
    let mut builder = syntect::parsing::SyntaxSetBuilder::new();
    if let Err(e) = builder.add_from_folder("assets/syntaxes", true) {
        panic!("assets/syntaxes: {e}");
    }
    let set = builder.build();
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    if let Err(e) = syntect::dumps::dump_to_uncompressed_file(&set, out.join("syntaxes.bin")) {
        panic!("writing the syntax dump: {e}");
    }
}
