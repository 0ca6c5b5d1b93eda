//! How the process takes memory from the kernel.
//!
//! The binary allocates with mimalloc, which asks for transparent huge pages on its arenas.
//! The kernel then zeroes 2 MiB at the first touch of each, even when a few kilobytes are
//! used before the memory is handed back. A sampled scan builds millions of short strings
//! and frees most of them soon after, so a quarter of its CPU time went to zeroing pages
//! (`clear_page_erms` in a profile of the benchmark warehouse's scan). With huge pages off
//! the same scan spends about 0.6 s less in the kernel.

/// Turns transparent huge pages off for this process, for its memory mapped before and after
/// (Linux; elsewhere nothing happens). Call it first thing in `main`.
pub fn avoid_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments (passed at the width the kernel
    // reads them) and touches no memory of ours.
    unsafe {
        // A kernel older than 3.15 refuses it; the process then runs as before.
        let _ = libc::prctl(libc::PR_SET_THP_DISABLE, 1 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong);
    }
}
