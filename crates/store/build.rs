// The migrations directory is embedded with include_dir!; make Cargo rebuild when a file is added.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
