//! The deployment descriptions cannot rot: `k8s/` validates against the Kubernetes schemas
//! (kubernetes-validate, installed by scripts/ensure-tools.sh), and scripts/check-deploy.py
//! cross-checks k8s/ and deploy/ against the services' code.

use std::{path::PathBuf, process::Command};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is in the repository").to_owned()
}

fn tool(name: &str) -> PathBuf {
    let path = repo().join(".tools/venv/bin").join(name);
    assert!(path.exists(), "{} is missing: run `make tools` (scripts/ensure-tools.sh)", path.display());
    path
}

fn manifests() -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(repo().join("k8s"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") && !p.ends_with("kustomization.yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn kubernetes_manifests_validate_against_the_schemas() {
    let files = manifests();
    assert!(files.len() >= 9, "{files:?}");
    let output = Command::new(tool("kubernetes-validate")).arg("--strict").args(&files).output().unwrap();
    assert!(output.status.success(), "{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
}

#[test]
fn the_validator_rejects_a_broken_manifest() {
    let dir = std::env::temp_dir().join(format!("qashyq-k8s-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.yaml");
    let good = std::fs::read_to_string(repo().join("k8s/schedule.yaml")).unwrap();
    std::fs::write(&broken, good.replace("containerPort: 15051", "containerPort: \"not-a-port\"")).unwrap();
    let output = Command::new(tool("kubernetes-validate")).arg("--strict").arg(&broken).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!output.status.success(), "a string port must not validate");
}

#[test]
fn deployment_descriptions_agree_with_the_services() {
    let output = Command::new(tool("python")).arg(repo().join("scripts/check-deploy.py")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
}
