"""Generates the Python client of Qashyq's public API from proto/ with grpcio-tools.

    python generate.py OUT_DIR      # then: PYTHONPATH=OUT_DIR python your_code.py

Every .proto under proto/ is compiled (messages and gRPC stubs); the well-known types
(google/protobuf/*.proto) come with grpcio-tools.
"""

import pathlib
import sys

import grpc_tools
from grpc_tools import protoc


def generate(out: pathlib.Path) -> None:
    root = pathlib.Path(__file__).resolve().parents[2] / "proto"
    well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    out.mkdir(parents=True, exist_ok=True)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*.proto"))
    status = protoc.main(["protoc", f"-I{root}", f"-I{well_known}", f"--python_out={out}", f"--grpc_python_out={out}", *files])
    if status != 0:
        raise SystemExit(f"protoc failed ({status})")


if __name__ == "__main__":
    generate(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "generated"))
