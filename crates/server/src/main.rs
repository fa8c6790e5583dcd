use clap::Parser;

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
