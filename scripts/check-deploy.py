#!/usr/bin/env python3
"""Cross-checks the deployment descriptions against the code, beyond the schemas:
every service crate has a Deployment and a Service whose command, ports and probes agree; the
kustomization lists every manifest; the ConfigMap and the compose file point each service at its
real port; only the gateway is exposed. Prints every problem; exits non-zero if any."""
import pathlib
import re
import sys

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
problems = []
services = sorted(p.name for p in (root / "services").iterdir() if (p / "Cargo.toml").exists())

ports = {}
for name in services:
    main = root / "services" / name / "src" / "lib.rs"
    match = re.search(r"DEFAULT_PORT: u16 = (\d+);", main.read_text())
    if not match:
        problems.append(f"{name}: no DEFAULT_PORT in src/lib.rs")
        continue
    ports[name] = int(match.group(1))

kustomization = yaml.safe_load((root / "k8s" / "kustomization.yaml").read_text())
manifests = {p.name for p in (root / "k8s").glob("*.yaml")} - {"kustomization.yaml"}
listed = set(kustomization["resources"])
for missing in sorted(manifests - listed - {"secrets.example.yaml"}):
    problems.append(f"k8s/kustomization.yaml does not list {missing}")
for extra in sorted(listed - manifests):
    problems.append(f"k8s/kustomization.yaml lists missing {extra}")

for name, port in ports.items():
    path = root / "k8s" / f"{name}.yaml"
    if not path.exists():
        problems.append(f"k8s/{name}.yaml is missing")
        continue
    docs = {d["kind"]: d for d in yaml.safe_load_all(path.read_text()) if d}
    deployment, service = docs.get("Deployment"), docs.get("Service")
    if not deployment or not service:
        problems.append(f"k8s/{name}.yaml needs a Deployment and a Service")
        continue
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    if container.get("command") != [f"qashyq-{name}"]:
        problems.append(f"{name}: container command is {container.get('command')}")
    # The admin port (GET /metrics) is the gRPC port + 1000 (shared/platform/src/service.rs).
    admin = port + 1000
    if [p["containerPort"] for p in container["ports"]] != [port, admin]:
        problems.append(f"{name}: containerPorts are not {port} (grpc) and {admin} (metrics)")
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    if env.get("QASHYQ_LISTEN_ADDR") != f"0.0.0.0:{port}":
        problems.append(f"{name}: QASHYQ_LISTEN_ADDR is not 0.0.0.0:{port}")
    if env.get("QASHYQ_ADMIN_ADDR") != f"0.0.0.0:{admin}":
        problems.append(f"{name}: QASHYQ_ADMIN_ADDR is not 0.0.0.0:{admin}")
    annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
    if annotations.get("prometheus.io/port") != str(admin):
        problems.append(f"{name}: the pod is not annotated for scraping on {admin}")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        if container.get(probe, {}).get("grpc", {}).get("port") != port:
            problems.append(f"{name}: {probe} is not a gRPC probe on {port}")
    for kind in ("requests", "limits"):
        if not {"cpu", "memory"} <= set(container.get("resources", {}).get(kind, {})):
            problems.append(f"{name}: resources.{kind} needs cpu and memory")
    if service["spec"]["ports"][0]["port"] != port:
        problems.append(f"{name}: Service port is not {port}")
    exposed = service["spec"].get("type", "ClusterIP") != "ClusterIP"
    if exposed != (name == "gateway"):
        problems.append(f"{name}: only the gateway may be exposed outside the cluster")

config = yaml.safe_load((root / "k8s" / "config.yaml").read_text())["data"]
compose = yaml.safe_load((root / "deploy" / "compose.yaml").read_text())["services"]
for name, port in ports.items():
    if name == "gateway":
        continue
    url = config.get(f"QASHYQ_{name.upper()}_URL", "")
    if not url.endswith(f":{port}"):
        problems.append(f"k8s/config.yaml: QASHYQ_{name.upper()}_URL does not end in :{port}")
for name, port in ports.items():
    spec = compose.get(name)
    if not spec:
        problems.append(f"deploy/compose.yaml has no service {name}")
        continue
    if spec.get("command") != [f"qashyq-{name}"]:
        problems.append(f"compose {name}: command is {spec.get('command')}")
    if spec["environment"].get("QASHYQ_LISTEN_ADDR") != f"0.0.0.0:{port}":
        problems.append(f"compose {name}: QASHYQ_LISTEN_ADDR is not 0.0.0.0:{port}")
    if spec["environment"].get("QASHYQ_ADMIN_ADDR") != f"0.0.0.0:{port + 1000}":
        problems.append(f"compose {name}: QASHYQ_ADMIN_ADDR is not 0.0.0.0:{port + 1000}")
    if bool(spec.get("ports")) != (name == "gateway"):
        problems.append(f"compose {name}: only the gateway publishes a port")
    if name != "gateway" and not spec["environment"].get(f"QASHYQ_{name.upper()}_URL", "").endswith(f":{port}"):
        problems.append(f"compose: QASHYQ_{name.upper()}_URL does not end in :{port}")
for infra in ("postgres", "redis", "rabbitmq"):
    if infra not in compose:
        problems.append(f"deploy/compose.yaml has no {infra}")

dockerfile = (root / "deploy" / "Dockerfile").read_text()
if "cargo build --release --locked --bins" not in dockerfile:
    problems.append("deploy/Dockerfile does not build every binary")

for problem in problems:
    print(problem)
print(f"checked {len(ports)} services: {len(problems)} problems")
sys.exit(1 if problems else 0)
