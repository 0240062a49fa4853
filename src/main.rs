//! The `oversight` binary: parse the command line and hand over to the library.

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    oversight::cli::main()
}
