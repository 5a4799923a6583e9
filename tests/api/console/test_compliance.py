"""The compliance pages: the case queue filtered and paged; a case with the rules that fired, its
screening hits, SLA, notes and history; maker-checker through the forms (a second person
approves, and the maker approving their own proposal, with the same key or another of theirs,
is told in words); refusals by role, stale version and missing token; another tenant's case not
found; the disputes with their state and deadline."""

from __future__ import annotations

import uuid

import httpx

from strongroom.api.console.compliance import PAGE
from strongroom.bootstrap.platform import Platform
from strongroom.compliance.case_records import CaseKind
from strongroom.compliance.cases import CaseService
from strongroom.services.access import Role
from strongroom.workflows.types import IntentStatus
from tests.api.console.conftest import sign_in
from tests.compliance.conftest import key
from tests.compliance.test_cases import review
from tests.compliance.test_disputes import Bank, investigating, until


async def cases(platform: Platform) -> CaseService:
    return await platform.cases()


async def test_the_queue_is_newest_first_filtered_and_paged(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    service = await cases(platform)
    maker = await key(platform, Role.WRITE, "alice")
    opened = [(await service.open(maker, "review", f"pay-{n}"))[0] for n in range(PAGE + 1)]
    await service.propose(maker, opened[-1].id, "block", "looks wrong")
    await service.assign(maker, opened[-2].id, "bob")
    await service.open_for("acme", "recon", CaseKind.BREAK, "break-1", due_in=0.001)
    await service.open(await key(platform, Role.WRITE, "zed", tenant="globex"), "review", "theirs")
    await sign_in(browser, platform, role=Role.READ, owner="carol")

    first = await browser.get("/console/cases")
    assert first.status_code == 200
    assert "<td>theirs</td>" not in first.text
    assert '<label for="assignee">Assigned to</label>' in first.text
    assert '<th scope="col">SLA</th>' in first.text
    order = ["<td>break-1</td>", f"<td>pay-{PAGE}</td>", f"<td>pay-{PAGE - 1}</td>"]
    assert [first.text.index(o) for o in order] == sorted(first.text.index(o) for o in order)
    assert "<td>pay-0</td>" not in first.text
    assert '<span class="state wait">proposed</span> (block proposed)' in first.text
    older = first.text.split('" rel="next"')[0].rsplit('href="', 1)[1].replace("&amp;", "&")
    second = await browser.get("/console/cases" + older)
    assert "<td>pay-0</td>" in second.text
    assert "Older cases" not in second.text

    proposed = await browser.get("/console/cases", params={"state": "proposed"})
    assert f"<td>pay-{PAGE}</td>" in proposed.text
    assert "<td>pay-1</td>" not in proposed.text
    bobs = await browser.get("/console/cases", params={"assignee": "bob"})
    assert f"<td>pay-{PAGE - 1}</td>" in bobs.text
    assert "<td>pay-1</td>" not in bobs.text
    late = await browser.get("/console/cases", params={"overdue": "true"})
    assert "<td>break-1</td>" in late.text
    assert "<strong>overdue by 0 min</strong>" in late.text
    assert "<td>pay-1</td>" not in late.text
    bad = await browser.get("/console/cases", params={"state": "lost"})
    assert bad.status_code == 422


async def test_a_case_shows_the_rules_that_fired_its_hits_sla_notes_and_history(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    maker = await key(platform, Role.WRITE, "alice")
    case, _ = await (await cases(platform)).open_from_decision(maker, review())
    csrf = await sign_in(browser, platform, role=Role.WRITE, owner="alice")
    r = await browser.get(f"/console/cases/{case.id}")
    assert r.status_code == 200
    assert "<li>big: over 10,000</li>" in r.text
    assert "<td>ACME LTD</td>" in r.text
    assert '<td class="num">91.5</td>' in r.text
    assert '<th scope="col" class="num">Score (of 100)</th>' in r.text
    assert "due in 23 h 59 min" in r.text
    assert f"by alice (key {maker.id})" in r.text
    assert '<label for="proposal">Outcome</label>' in r.text
    assert "/approve" not in r.text

    noted = await browser.post(
        f"/console/cases/{case.id}/notes", data={"csrf": csrf, "text": "called the customer"}
    )
    assert noted.status_code == 303
    assigned = await browser.post(
        f"/console/cases/{case.id}/assign",
        data={"csrf": csrf, "assignee": "bob", "expected_version": "2"},
    )
    assert assigned.headers["location"] == f"/console/cases/{case.id}?done=assigned"
    shown = await browser.get(assigned.headers["location"])
    assert "Assignment saved." in shown.text
    assert "<li>called the customer <span" in shown.text
    assert '<tr><th scope="row">Assigned to</th><td>bob</td></tr>' in shown.text
    assert "<strong>assign</strong>" in shown.text
    assert "<br>Assigned to bob" in shown.text

    stale = await browser.post(
        f"/console/cases/{case.id}/assign",
        data={"csrf": csrf, "assignee": "carol", "expected_version": "2"},
    )
    assert stale.status_code == 409
    assert "is at version 3, not 2" in stale.text
    blank = await browser.post(f"/console/cases/{case.id}/notes", data={"csrf": csrf, "text": "  "})
    assert blank.status_code == 422
    assert "text: must be 1 to 2000 characters" in blank.text


async def test_another_person_approves_and_the_maker_is_told_why_they_cannot(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    await (await platform.intent_engine()).start()
    writer = await key(platform, Role.WRITE, "erin")
    held = await (await platform.intents()).submit(
        writer, "compliance.case", "held-1", {"kind": "review", "subject": "pay-1"}
    )
    opened = await until(platform, held.intent.id, lambda i: "open" in i.results)
    case_id = uuid.UUID(opened.results["open"]["case_id"])
    path = f"/console/cases/{case_id}"

    alice = await sign_in(browser, platform, owner="alice")
    proposed = await browser.post(
        f"{path}/propose",
        data={
            "csrf": alice,
            "proposal": "release",
            "reason": "known customer",
            "expected_version": "1",
        },
    )
    assert proposed.status_code == 303
    page = await browser.get(proposed.headers["location"])
    assert "Proposed: another person must now approve or reject it." in page.text
    assert "You proposed this: another person must approve or reject it." in page.text
    assert f'action="{path}/approve"' not in page.text
    own = await browser.post(f"{path}/approve", data={"csrf": alice, "expected_version": "2"})
    assert own.status_code == 403
    assert (
        "Another person must check this proposal: "
        "the key that proposed cannot also approve or reject." in own.text
    )
    assert '<span class="state wait">proposed</span>' in own.text

    # Another key of the same person is offered the form, and refused by the service.
    again = await sign_in(browser, platform, owner="alice")
    offered = await browser.get(path)
    assert f'action="{path}/approve"' in offered.text
    other_key = await browser.post(
        f"{path}/reject", data={"csrf": again, "reason": "no", "expected_version": "2"}
    )
    assert other_key.status_code == 403
    assert "the proposal was made by another key of &#39;alice&#39;" in other_key.text

    bob = await sign_in(browser, platform, owner="bob")
    approved = await browser.post(
        f"{path}/approve", data={"csrf": bob, "reason": "agreed", "expected_version": "2"}
    )
    assert approved.status_code == 303
    decided = await browser.get(approved.headers["location"])
    assert "Approved: the proposal is the case&#39;s outcome." in decided.text
    assert '<span class="state good">released</span>' in decided.text
    assert "Decided</th>" in decided.text
    assert "by bob (key " in decided.text
    assert f'<a href="/console/intents/{held.intent.id}">' in decided.text
    moved = await until(platform, held.intent.id, lambda i: i.status is IntentStatus.DONE)
    assert moved.state == "released"


async def test_roles_tokens_and_tenants(browser: httpx.AsyncClient, platform: Platform) -> None:
    service = await cases(platform)
    maker = await key(platform, Role.WRITE, "alice")
    ours, _ = await service.open(maker, "review", "pay-1")
    await service.propose(maker, ours.id, "block", "suspicious")
    theirs, _ = await service.open(await key(platform, Role.WRITE, "zed", "globex"), "review", "x")

    writer = await sign_in(browser, platform, role=Role.WRITE, owner="erin")
    shown = await browser.get(f"/console/cases/{ours.id}")
    assert "An admin who did not propose it approves or rejects it." in shown.text
    refused = await browser.post(
        f"/console/cases/{ours.id}/approve", data={"csrf": writer, "expected_version": "2"}
    )
    assert refused.status_code == 403
    assert "needs the admin role" in refused.text

    reader = await sign_in(browser, platform, role=Role.READ, owner="carol")
    read_only = await browser.get(f"/console/cases/{ours.id}")
    assert "Add a note" not in read_only.text
    assert (
        await browser.post(f"/console/cases/{ours.id}/notes", data={"csrf": reader, "text": "x"})
    ).status_code == 403

    admin = await sign_in(browser, platform, owner="bob")
    forged = await browser.post(f"/console/cases/{ours.id}/approve", data={"expected_version": "2"})
    assert forged.status_code == 403
    assert "reload the page" in forged.text
    for response in (
        await browser.get(f"/console/cases/{theirs.id}"),
        await browser.post(
            f"/console/cases/{theirs.id}/approve", data={"csrf": admin, "expected_version": "1"}
        ),
    ):
        assert response.status_code == 404
        assert "Not found" in response.text
    assert (await service.show(maker, ours.id)).case.state.value == "proposed"


async def test_disputes_show_their_state_and_deadline(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    bank = Bank(await platform.ledger())
    await bank.open()
    await (await platform.intent_engine()).start()
    intents = await platform.intents()
    maker = await key(platform, Role.WRITE, "alice")
    live = await intents.submit(maker, "compliance.dispute", "d-1", bank.dispute())
    _, case_id = await investigating(platform, live.intent.id)
    unknown = {**bank.dispute(), "original_transfer_id": str(uuid.uuid4())}
    refused = await intents.submit(maker, "compliance.dispute", "d-2", unknown)
    await until(platform, refused.intent.id, lambda i: i.status is IntentStatus.DONE)
    # Disputes of one transfer run one at a time: these wait for the first, with no case yet.
    for reference in ("d-3", "d-4"):
        await intents.submit(maker, "compliance.dispute", reference, bank.dispute(amount=1))
    await sign_in(browser, platform, role=Role.READ, owner="carol")

    r = await browser.get("/console/disputes")
    assert r.status_code == 200
    assert '<th scope="col">Case and deadline</th>' in r.text
    assert '<td class="num">20.00 EUR</td>' in r.text
    assert "<td>goods never arrived</td>" in r.text
    assert '<span class="state wait">investigating</span>, waiting' in r.text
    assert f'<a href="/console/cases/{case_id}">case open</a>' in r.text
    assert "due in 44 d 23 h" in r.text
    assert f'<a href="/console/intents/{live.intent.id}"' in r.text
    assert '<span class="state bad">failed</span>, finished' in r.text
    assert r.text.count("no case yet") == 2

    failed = await browser.get("/console/disputes", params={"state": "failed"})
    assert "<td>d-2</td>" in failed.text
    assert "<td>d-1</td>" not in failed.text
    dispute_page = await browser.get(f"/console/intents/{live.intent.id}")
    assert "compliance.dispute <code>d-1</code>" in dispute_page.text
    assert "<strong>checked → investigating</strong>" in dispute_page.text
    assert f'<a href="/console/cases/{case_id}">its case</a>' in dispute_page.text
