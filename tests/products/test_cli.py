from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from strongroom.cli.products import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "products"
runner = CliRunner()


def test_validate_accepts_the_examples() -> None:
    result = runner.invoke(
        app, ["validate", str(EXAMPLES / "everyday-v1.yaml"), str(EXAMPLES / "everyday-v2.yaml")]
    )
    assert result.exit_code == 0, result.output
    assert "everyday v1 SGD, 14 rules" in result.output
    assert "everyday v2 SGD, 14 rules" in result.output


def test_validate_reports_file_line_path_and_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (EXAMPLES / "everyday-v1.yaml").read_text()
    bad.write_text(text.replace("currency: SGD", "currency: ZZZ"))
    line = text.splitlines().index("currency: SGD") + 1
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:{line}: currency: unknown ISO 4217 currency code 'ZZZ'" in result.output


def test_simulate_with_what_if_comparison() -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "--product",
            str(EXAMPLES / "everyday-v1.yaml"),
            "--activity",
            str(EXAMPLES / "activity.yaml"),
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--compare",
            str(EXAMPLES / "everyday-v2.yaml"),
        ],
        env={"COLUMNS": "120"},
    )
    assert result.exit_code == 0, result.output
    assert "everyday v1: 2026-01-01 to 2026-03-31 (SGD)" in result.output
    assert "what-if: everyday v2 minus everyday v1" in result.output
    alice = [line for line in result.output.splitlines() if "alice" in line]
    assert len(alice) == 3  # v1, v2, difference
    assert "-0.40" in alice[2]  # 960 instead of 1 000 for Alice's charged transfer


def test_simulate_rejects_a_bad_period() -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "--product",
            str(EXAMPLES / "everyday-v1.yaml"),
            "--activity",
            str(EXAMPLES / "activity.yaml"),
            "--from",
            "2026-03-01",
            "--to",
            "2026-01-01",
        ],
    )
    assert result.exit_code == 1
    assert "is before" in result.output


def test_bench_prints_percentiles() -> None:
    result = runner.invoke(app, ["bench", "--iterations", "1000"])
    assert result.exit_code == 0, result.output
    assert "20-rule product, 1000 calls" in result.output
    assert "rules=20 iterations=1000 p50=" in result.output
    assert "p99=" in result.output
    assert "p99.9=" in result.output
