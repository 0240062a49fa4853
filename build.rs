//! Rebuilds the tests when a migration is added: one embeds the migrations to walk them down
//! and up (the domain crate embeds them for the service, and has a build script of its own).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
