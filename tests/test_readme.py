"""The README's tour runs as printed and prints what its comments say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_tour_prints_what_it_promises(tmp_path: Path) -> None:
    (code,) = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == [
        "[<CreateTransferResult.OK: 'ok'>]",
        "[<CreateTransferResult.EXISTS: 'exists'>]",
        "[<CreateTransferResult.OK: 'ok'>, <CreateTransferResult.OK: 'ok'>]",
        "[<CreateTransferResult.EXCEEDS_CREDITS: 'exceeds_credits'>,"
        " <CreateTransferResult.LINKED_EVENT_FAILED: 'linked_event_failed'>]",
        "4000 6000 10000",
        "True",
    ]
