"""`strongroom cases`: the maker-checker flow from the command line, scoped to --tenant, with the
actor named by --actor (so one person cannot both propose and approve here either)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from strongroom.cli import app

runner = CliRunner()


def invoke(db_url: str, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["cases", *args, "--tenant", "acme", "--db", db_url])
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def test_open_propose_approve_list_show(db_url: str) -> None:
    opened = json.loads(
        invoke(db_url, "open", "review", "pay-1", "--reason", "big", "--actor", "alice", "--json")
    )
    case_id = opened["id"]
    assert (opened["state"], opened["reasons"]) == ("open", ["big"])
    invoke(db_url, "assign", case_id, "alice", "--expected-version", "1")
    invoke(db_url, "note", case_id, "called the customer", "--actor", "alice")
    invoke(db_url, "propose", case_id, "release", "--reason", "ok", "--actor", "alice")
    refused = invoke(db_url, "approve", case_id, "--actor", "alice", ok=False)
    assert "cannot also approve" in refused
    approved = json.loads(invoke(db_url, "approve", case_id, "--actor", "bob", "--json"))
    assert (approved["state"], approved["decided_by"]) == ("released", "cli:bob")
    listed = json.loads(invoke(db_url, "list", "--state", "released", "--json"))
    assert [c["id"] for c in listed["items"]] == [case_id]
    shown = json.loads(invoke(db_url, "show", case_id, "--json"))
    assert [e["action"] for e in shown["events"]] == [
        "open",
        "assign",
        "note",
        "propose",
        "approve",
    ]
    assert "approve" in invoke(db_url, "show", case_id)


def test_reject_reopens_and_bad_input_names_the_field(db_url: str) -> None:
    case_id = json.loads(invoke(db_url, "open", "break", "recon-1", "--json"))["id"]
    invoke(db_url, "propose", case_id, "block", "--reason", "dup", "--actor", "alice")
    rejected = json.loads(
        invoke(db_url, "reject", case_id, "--reason", "no evidence", "--actor", "bob", "--json")
    )
    assert rejected["state"] == "open"
    bad = invoke(db_url, "propose", case_id, "approve", "--reason", "x", "--actor", "a", ok=False)
    assert "proposal" in bad
