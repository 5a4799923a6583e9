from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from strongroom.cli.products import app
from strongroom.ids import new_id

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


def test_publish_versions_and_assign_against_a_database(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/products.db"
    v1, v2 = str(EXAMPLES / "everyday-v1.yaml"), str(EXAMPLES / "everyday-v2.yaml")
    for file, version in ((v1, 1), (v1, 1), (v2, 2)):  # the second publish is a no-op
        result = runner.invoke(app, ["publish", file, "--db", db, "--actor", "ops"])
        assert result.exit_code == 0, result.output
        assert f"published everyday v{version} sha256:" in result.output
    result = runner.invoke(app, ["versions", "everyday", "--db", db], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "everyday" in line]
    assert len(rows) == 2
    account = str(new_id())
    result = runner.invoke(
        app, ["assign", account, "everyday", "1", "--reason", "opened", "--db", db]
    )
    assert result.exit_code == 0, result.output
    assert f"pinned {account} to everyday v1 (trace " in result.output
    result = runner.invoke(
        app, ["assign", account, "everyday", "2", "--reason", "launch of v2", "--db", db]
    )
    assert result.exit_code == 0, result.output
    assert f"moved {account} to everyday v2" in result.output
    result = runner.invoke(
        app, ["assign", account, "everyday", "3", "--reason", "no such version", "--db", db]
    )
    assert result.exit_code == 1
    assert "version 3" in result.output


def test_publish_refuses_other_content_under_a_published_version(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/products.db"
    tampered = tmp_path / "tampered.yaml"
    tampered.write_text(
        (EXAMPLES / "everyday-v1.yaml").read_text().replace("amount: 2.00", "amount: 2.50")
    )
    ok = runner.invoke(app, ["publish", str(EXAMPLES / "everyday-v1.yaml"), "--db", db])
    assert ok.exit_code == 0, ok.output
    result = runner.invoke(app, ["publish", str(tampered), "--db", db])
    assert result.exit_code == 1
    assert "already published with different content" in result.output
