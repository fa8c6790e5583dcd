use clap::Parser;

/// mimalloc instead of glibc's malloc: glibc kept what thousands of concurrent sign-ins and uploads
/// had freed in its per-thread arenas (3.3 GiB resident after a 1,000-bidder rush, 0.35 GiB of it
/// live; docs/benchmarks.md, "Memory"); mimalloc returns freed pages to the system.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let cli = ggzy::cli::Cli::parse();
    match ggzy::cli::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
