#[tokio::main]
async fn main() -> anyhow::Result<()> {
    qashyq_platform::service::main::<qashyq_assignments::Assignments>().await
}
