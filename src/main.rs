//! The `oversight` binary: parse the command line and hand over to the library.

/// jemalloc rather than glibc's malloc: rows are decoded on the database threads and freed on
/// the HTTP worker, a pattern glibc's per-thread arenas serve slowly (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    if !keep_c_heap() {
        eprintln!("oversight: the C allocator's trim threshold was not set; carrying on");
    }
    oversight::cli::main()
}

/// Bytes of free memory at the top of a thread's C heap that glibc keeps rather than hands
/// back to the kernel.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const C_HEAP_KEPT: i32 = 8 << 20;

/// libpq and SQLite allocate with the C library's malloc, not jemalloc: a national query's
/// result is some hundred blocks of 2 kB on a database thread's heap, freed once decoded.
/// glibc's default hands the top of that heap back to the kernel whenever more than 128 kB of
/// it is free, so the next result faults every page in again: 47 page faults a national query,
/// whose kernel time they take from 0.36 to 0.28 ms (docs/PERFORMANCE.md). Keeping up
/// to [`C_HEAP_KEPT`] a thread (a few threads a core) takes the faults to none. Whether it was
/// set; elsewhere there is nothing to set.
fn keep_c_heap() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets a tunable of glibc's allocator, which takes effect on
        // later frees; it is called before any thread of ours starts.
        unsafe { libc::mallopt(libc::M_TRIM_THRESHOLD, C_HEAP_KEPT) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        true
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_c_heap_is_kept() {
        assert!(super::keep_c_heap());
    }
}
