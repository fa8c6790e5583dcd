use clap::Parser;

/// mimalloc instead of glibc's malloc: glibc kept what thousands of concurrent sign-ins and uploads
/// had freed in its per-thread arenas (3.3 GiB resident after a 1,000-bidder rush, 0.35 GiB of it
/// live; docs/benchmarks.md, "Memory"); mimalloc returns freed pages to the system. Without the
/// `mimalloc` feature (on by default) the system allocator stays, for heap profilers (heaptrack).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// No transparent huge pages for this process. mimalloc (v3) advises its arena (1 GiB reserved at
/// start) to use them, so one small allocation made a whole 2 MiB page resident, and its purges of
/// freed 64 KiB pages returned nothing while the huge page stayed: an idle `serve --demo` kept
/// about 50 MiB more (docs/benchmarks.md, "Memory"). This is what `MIMALLOC_ALLOW_THP=0` does,
/// set before the first thread starts and before most of the heap is touched.
#[cfg(all(feature = "mimalloc", target_os = "linux"))]
fn no_transparent_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes no pointers; it only sets a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// mimalloc returns freed memory to the system at once instead of after its default 10 ms delay
/// (`mi_option_purge_delay` = 0, what `MIMALLOC_PURGE_DELAY=0` does; an operator's own
/// `MIMALLOC_PURGE_DELAY` is left to decide). Measured with the SQLite rush of 1,000 concurrent
/// sign-ins and bidders (docs/benchmarks.md, "Memory"): the peak fell from 162–165 MiB to
/// 147–153 MiB, the throughput within the runs' spread.
#[cfg(feature = "mimalloc")]
fn purge_at_once() {
    // `mi_option_e` of mimalloc v3 (the version libmimalloc-sys builds by default),
    // include/mimalloc.h: show_errors is 0 and purge_delay the 16th member, 15. The binding's
    // `extended` feature names it too, but pulls in another crate for this one call.
    const MI_OPTION_PURGE_DELAY: libc::c_int = 15;
    unsafe extern "C" {
        fn mi_option_set(option: libc::c_int, value: libc::c_long);
    }
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's integer options; no pointers, callable at any time.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
}

fn main() {
    #[cfg(all(feature = "mimalloc", target_os = "linux"))]
    no_transparent_huge_pages();
    #[cfg(feature = "mimalloc")]
    purge_at_once();
    run();
}

#[tokio::main]
async fn run() {
    let cli = ggzy::cli::Cli::parse();
    match ggzy::cli::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
