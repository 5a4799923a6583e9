"""`strongroom compliance`: rule sets published from a file, compared and backtested, decisions
made and listed, scoped to --tenant; a bad file lists every issue with its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from strongroom.cli import app

runner = CliRunner()
T0 = 1_800_000_000
RULES = """\
windows:
  - {id: c1h, scope: customer, length: 1h}
rules:
  - id: burst
    message: more than 2 payments an hour
    when: {velocity.c1h.count: {gt: 2}}
    action: block
"""


def invoke(db_url: str, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["compliance", *args, "--tenant", "acme", "--db", db_url])
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def payment(subject: str, second: int) -> str:
    return json.dumps(
        {
            "subject": subject,
            "amount": 500,
            "currency": "SGD",
            "customer": {"id": "c1"},
            "at": (T0 + second) * 10**9,
        }
    )


def test_publish_decide_backtest(db_url: str, tmp_path: Path) -> None:
    strict = tmp_path / "strict.yaml"
    strict.write_text(RULES)
    loose = tmp_path / "loose.yaml"
    loose.write_text(RULES.replace("{gt: 2}", "{gt: 3}"))
    assert "version 1 enforce" in invoke(
        db_url, "rules", "publish", str(strict), "--status", "enforce"
    )
    outcomes = [invoke(db_url, "decide", payment(f"p{i}", i)).split()[0] for i in range(4)]
    assert outcomes == ["allow", "allow", "block", "block"]
    assert "version 2 draft" in invoke(db_url, "rules", "publish", str(loose))
    listed = json.loads(invoke(db_url, "rules", "list", "--json"))
    assert [(s["version"], s["status"]) for s in listed] == [(2, "draft"), (1, "enforce")]
    assert "changed: burst" in invoke(db_url, "rules", "diff", "1", "2")
    report = json.loads(
        invoke(
            db_url,
            "rules",
            "backtest",
            "2",
            "--since",
            "2027-01-15T08:00:00",
            "--until",
            str((T0 + 60) * 10**9),
            "--json",
        )
    )
    assert report["payments"] == 4
    assert report["candidate"] == {"allow": 3, "block": 1}
    assert report["baseline"] == report["recorded"] == {"allow": 2, "block": 2}
    blocked = json.loads(invoke(db_url, "decisions", "--outcome", "block", "--json"))
    assert [d["subject"] for d in blocked] == ["p3", "p2"]
    assert "burst: more than 2" in invoke(db_url, "decide", payment("p3", 3))
    assert "version 2 enforce" in invoke(db_url, "rules", "status", "2", "enforce")
    assert "more than 2 payments" in invoke(db_url, "rules", "show", "1")


def test_bad_input_is_refused_with_every_issue(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(RULES.replace("velocity.c1h.count", "velocity.c2h.count"))
    output = invoke(db_url, "rules", "publish", str(bad), ok=False)
    assert "rules[0].when.velocity.c2h.count: line 6: unknown fact 'velocity.c2h.count'" in output
    bad.write_text(RULES + "  - id: x\n")
    output = invoke(db_url, "rules", "publish", str(bad), ok=False)
    assert "  rules[1].message: line 8: required field is missing" in output
    assert "  rules[1].when: line 8: required field is missing" in output
    assert "cannot read" in invoke(db_url, "rules", "publish", str(tmp_path / "none"), ok=False)
    assert "status" in invoke(db_url, "rules", "status", "1", "sideways", ok=False)
    assert "payment" in invoke(db_url, "decide", '{"subject": "x"}', ok=False)
    assert "since" in invoke(
        db_url, "rules", "backtest", "1", "--since", "yesterday", "--until", "1", ok=False
    )


DATA = Path(__file__).parents[1] / "compliance" / "screening" / "data"


def test_screen_a_name_and_check_an_applicant(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRONGROOM_SCREENING_OFAC", str(DATA / "ofac"))
    hits = json.loads(invoke(db_url, "screen", "Hans Jurgen Muller", "--json"))
    assert hits[0]["entry_id"] == "101"
    assert "no hit" in invoke(db_url, "screen", "Zebediah Quill")
    assert "birth_date" in invoke(db_url, "screen", "x", "--birth-date", "May", ok=False)
    listed = runner.invoke(app, ["compliance", "lists", "--json", "--db", db_url])
    assert json.loads(listed.output)[0]["name"] == "ofac-sdn"
    applicant = {
        "full_name": "Tan Wei Ming",
        "birth_date": "1990-05-17",
        "nationality": "SG",
        "national_id": "S1234567A",
        "national_id_kind": "sg.nric",
        "document_number": "E1234567X",
        "document_expiry": "2099-01-01",
    }
    verdict = invoke(db_url, "kyc", json.dumps(applicant))
    assert verdict.startswith("rejected")
    assert "national_id" in verdict
