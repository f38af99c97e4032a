#[tokio::main]
async fn main() -> anyhow::Result<()> {
    qashyq_tvgrid::cli::main().await
}
