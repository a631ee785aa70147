//! `src/embedded.rs` embeds `specs/` with `include_dir`, which cannot tell
//! cargo on stable Rust that a file was added; this does.

fn main() {
    println!("cargo:rerun-if-changed=../../specs");
}
