"""Regenerate `gen/` from the protos under proto/strongroom/v1/ (a dev-time step; the output
is committed): `.venv/bin/python -m strongroom.api.grpc.generate`.

protoc names modules after the proto path (`strongroom.v1`), which would clash with this
package, so the files are written flat into `gen/` and the cross-imports are rewritten.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
PACKAGE = Path("strongroom/v1")
PROTOS = (
    PACKAGE / "ledger.proto",
    PACKAGE / "intents.proto",
    PACKAGE / "compliance.proto",
    PACKAGE / "banking.proto",
    PACKAGE / "billing.proto",
)
HEADER = "# mypy: ignore-errors\n# Generated from proto/{proto}; do not edit.\n"


def main() -> int:
    gen = HERE / "gen"
    with tempfile.TemporaryDirectory() as out:
        code = protoc.main(
            [
                "grpc_tools.protoc",
                f"-I{ROOT / 'proto'}",
                f"--python_out={out}",
                f"--pyi_out={out}",
                f"--grpc_python_out={out}",
                *(str(proto) for proto in PROTOS),
            ]
        )
        if code != 0:
            return int(code)
        for produced in sorted((Path(out) / PACKAGE).iterdir()):
            text = produced.read_text().replace(
                "from strongroom.v1 import ", "from strongroom.api.grpc.gen import "
            )
            proto = PACKAGE / (produced.name.partition("_pb2")[0] + ".proto")
            (gen / produced.name).write_text(HEADER.format(proto=proto) + text)
    (gen / "__init__.py").write_text(
        '"""Generated gRPC code (see strongroom.api.grpc.generate)."""\n'
    )
    shutil.rmtree(gen / "__pycache__", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
