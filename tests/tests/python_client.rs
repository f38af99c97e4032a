//! A client in another language (R-GW-6): the Python client generated from `proto/` with
//! grpcio-tools (`clients/python`) signs in as an observer and reads its region's report, reads
//! the TV grid with an integrator's key, posts homework twice with one idempotency key (one is
//! stored) and follows the event feed across a reconnect. grpcio and grpcio-tools are installed
//! into `.tools/venv` by `scripts/ensure-tools.sh` (`make test` runs it).

use std::{path::PathBuf, process::Command};

use qashyq_e2e::{Mesh, distance_school_request};
use qashyq_platform::principal::{Role, Scope};
use qashyq_proto::schedule::v1::{Connectivity, directory_service_client::DirectoryServiceClient};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[tokio::test]
async fn r_gw_6_the_generated_python_client_works_as_an_integrator_and_an_observer() {
    let python = repo().join(".tools/venv/bin/python");
    assert!(python.exists(), "run scripts/ensure-tools.sh (make test does) to install grpcio-tools");
    let generated = std::env::temp_dir().join(format!("qashyq-python-{}", uuid::Uuid::now_v7()));
    let status = Command::new(&python).arg(repo().join("clients/python/generate.py")).arg(&generated).status().unwrap();
    assert!(status.success(), "stubs generated from proto/");

    let mesh = Mesh::start().await.unwrap();
    let admin = mesh.api_key("setup", 10_000).await;
    let integrator = mesh.integrator_key("kundelik.kz", Scope { regions: vec!["KZ-ALA".into()], ..Scope::default() }).await;
    let password = "observer's long password";
    qashyq_gateway::admin::create_person(&mesh.config, "observer.almaty", "Almaty observer", Role::RegionalObserver, Some("KZ-ALA"), password).await.unwrap();
    let channel = mesh.gateway_channel(&admin).await;
    let school_id = DirectoryServiceClient::new(channel.clone())
        .register_school(distance_school_request("KZ-ALA", "Школа-гимназия № 28", Connectivity::Broadband))
        .await
        .unwrap()
        .into_inner()
        .school_id;
    let class = mesh.class_with_teacher(channel, &school_id).await;
    let (class_id, teacher_id) = (class.class_id, class.teacher_id);
    // The assignments service learns where the school lies from SchoolRegistered.
    let pool = sqlx::PgPool::connect(mesh.db.url()).await.unwrap();
    let learnt = qashyq_testkit::wait_until(std::time::Duration::from_secs(10), || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM assignments.school_places").fetch_one(&pool).await.is_ok_and(|n| n == 1)
    })
    .await;
    assert!(learnt);

    let target = mesh.gateway.addr.to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(repo().join("clients/python/qashyq_client.py"))
            .args(["--target", &target, "--key", &integrator, "--login", "observer.almaty", "--password", password])
            .args(["--school-id", &school_id, "--class-id", &class_id, "--teacher-id", &teacher_id])
            .env("PYTHONPATH", &generated)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "python client failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("python client: ok"), "{stdout}");
    assert!(stdout.contains("observer refused the country: PERMISSION_DENIED"), "{stdout}");
    mesh.stop().await.unwrap();
}
