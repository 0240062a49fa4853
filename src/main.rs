//! The `oversight` binary: parse the command line and hand over to the library.

/// jemalloc rather than glibc's malloc: rows are decoded on the database threads and freed on
/// the HTTP worker, a pattern glibc's per-thread arenas serve slowly (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    oversight::cli::main()
}
