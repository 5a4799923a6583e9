"""`strongroom demo`: a small bank through the HTTP API."""

from __future__ import annotations

from typer.testing import CliRunner

from strongroom.cli import app

runner = CliRunner()


def test_demo_runs_a_bank_through_the_http_api(sqlite_url: str) -> None:
    result = runner.invoke(
        app, ["demo", "--db", sqlite_url, "--customers", "5", "--payments", "300"]
    )
    assert result.exit_code == 0, result.output
    # The day at the bank, through the banking routes.
    for line in (
        "rejected (invalid_nric)",
        "only a verified customer",
        "partially_refunded (10.00 SGD)",
        "settled, out through clearing",
        "held for review",
        "payment settled",
        "captured",
        "converted: 147.95 USD at 0.7398",
        "settled, net 5,315.50 SGD in",
        "alice's statement",
    ):
        assert line in result.output, line
    assert "transfers submitted" in result.output
    assert "600 in 2 HTTP requests" in result.output
    assert "hold" in result.output
    # 7 accounts, 5 fundings, and the payments and fees that were accepted: all audited.
    assert "entries, verified" in result.output
