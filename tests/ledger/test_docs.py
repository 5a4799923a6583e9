"""docs/ledger.md runs: every ```python block is executed, in order, against a real ledger.

The blocks of one document share one namespace and one ledger (a fresh SQLite file, a
`ManualClock`, no background sweeper), the way a reader pastes them one after the other into
`python -m asyncio`. Each block is compiled as top-level async code (so `await` works at the top
level and the names it binds stay visible to the next block) and the resulting coroutine is
awaited. Line numbers in a failing block's traceback are the lines of docs/ledger.md.

The document must also name every result code and every flag inside an executed block, so a
code added to results.py without an example fails here.
"""

from __future__ import annotations

import ast
import enum
import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from strongroom.bootstrap import open_ledger
from strongroom.clock import ManualClock
from strongroom.ledger import (
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    TransferFlags,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "ledger.md"
_FENCE = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Block:
    #: 1-based line of the block's first code line in the document.
    line: int
    source: str


def python_blocks(text: str) -> list[Block]:
    return [
        Block(text.count("\n", 0, match.start(1)) + 1, match.group(1))
        for match in _FENCE.finditer(text)
    ]


async def run_blocks(blocks: list[Block], namespace: dict[str, Any], filename: str) -> None:
    """Execute each block as top-level async code in `namespace`; the first failure propagates."""
    for block in blocks:
        # Leading newlines make traceback line numbers those of the document.
        code = compile(
            "\n" * (block.line - 1) + block.source,
            filename,
            "exec",
            flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
        )
        outcome = eval(code, namespace)
        if inspect.iscoroutine(outcome):
            await outcome


def _mentions(member: enum.Enum, code: str) -> bool:
    value = member.value if isinstance(member.value, str) else None
    quoted = value is not None and (f'"{value}"' in code or f"'{value}'" in code)
    return quoted or re.search(rf"\b{type(member).__name__}\.{member.name}\b", code) is not None


def test_the_document_has_examples() -> None:
    assert len(python_blocks(DOC.read_text())) >= 20


async def test_every_example_runs(sqlite_url: str) -> None:
    clock = ManualClock()
    ledger = await open_ledger(sqlite_url, clock=clock, sweep_interval=None)
    try:
        await run_blocks(
            python_blocks(DOC.read_text()), {"ledger": ledger, "clock": clock}, str(DOC)
        )
        report = await ledger.check_invariants()
    finally:
        await ledger.close()
    assert report.ok, report.violations


@pytest.mark.parametrize(
    "kind", [CreateAccountResult, CreateTransferResult], ids=lambda kind: kind.__name__
)
def test_every_result_code_is_shown_in_an_executed_example(kind: type[enum.Enum]) -> None:
    text = DOC.read_text()
    code = "\n".join(block.source for block in python_blocks(text))
    not_in_text = [m.value for m in kind if m.value not in text]
    not_in_examples = [m.value for m in kind if not _mentions(m, code)]
    assert not_in_text == []
    assert not_in_examples == []


@pytest.mark.parametrize("kind", [AccountFlags, TransferFlags], ids=lambda kind: kind.__name__)
def test_every_flag_is_shown_in_an_executed_example(kind: type[enum.Enum]) -> None:
    code = "\n".join(block.source for block in python_blocks(DOC.read_text()))
    assert [m.name for m in kind if not _mentions(m, code)] == []


async def test_a_failing_example_fails_the_run() -> None:
    text = (
        "Intro.\n\n```python\nvalue = await answer()\n```\n\n```python\nassert value == 41\n```\n"
    )

    async def answer() -> int:
        return 42

    blocks = python_blocks(text)
    assert [b.line for b in blocks] == [4, 8]
    namespace: dict[str, Any] = {"answer": answer}
    with pytest.raises(AssertionError) as failure:
        await run_blocks(blocks, namespace, "example.md")
    assert namespace["value"] == 42
    assert failure.traceback[-1].lineno + 1 == 8
