"""Set-up and entry commands that need nothing but Python.

`python3 dev.py run` creates .venv, installs Strongroom with its pinned dependencies and runs the
demo on the embedded default (SQLite, in-process bus, local key file). `python3 dev.py test`
does the same set-up, then runs the linters, the type checker, the layer contracts and the
test suite.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("STRONGROOM_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def _inputs_digest() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "requirements.lock"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create the virtual environment and install the pinned set, once per change of inputs."""
    wanted = _inputs_digest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-c", "requirements.lock", "-e", ".[dev]"], check=True, cwd=ROOT)
    STAMP.write_text(wanted)


def run(*argv: str) -> int:
    return subprocess.run(list(argv), cwd=ROOT).returncode


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    extra = sys.argv[2:]
    if command == "run":
        ensure_venv()
        return run(str(BIN / "strongroom"), "demo", *extra)
    if command == "test":
        ensure_venv()
        checks = [
            [str(BIN / "ruff"), "check", "src", "tests", "dev.py"],
            [str(BIN / "ruff"), "format", "--check", "src", "tests", "dev.py"],
            [str(BIN / "mypy")],
            # The layer contracts in pyproject.toml (docs/architecture.md).
            [str(BIN / "lint-imports")],
            [str(BIN / "pytest"), *extra],
        ]
        for check in checks:
            code = run(*check)
            if code != 0:
                return code
        return 0
    if command == "setup":
        ensure_venv()
        return 0
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    sys.exit(main())
