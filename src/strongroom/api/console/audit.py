"""The console's audit pages: the signed-in tenant's entries of the hash-chained audit log, newest
first, a page at a time, and a form that walks the whole chain and says whether it is intact.

Admin role for both: entries name keys and show what changed. The chain is one for every
tenant (strongroom.events.audit), so its verification reads every row; the page shows only the
tenant's own (`AuditLog.tenant_entries`)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from strongroom.api.console.rendering import page
from strongroom.api.console.routing import Console, ConsoleRoute, Form, Staff
from strongroom.events.audit import ChainReport, parse_anchor, verify_chain
from strongroom.services.access import Role, require

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

#: Entries a page shows.
PAGE = 50


def pretty(text: str | None) -> str:
    """Canonical JSON (one line, as it was hashed) indented for reading."""
    if text is None:
        return ""
    return json.dumps(json.loads(text), indent=2, ensure_ascii=False, sort_keys=True)


def outcome(report: ChainReport) -> str:
    """The verification in words."""
    if report.ok:
        if report.head_seq is None:
            return "ok: the audit log is empty, nothing to verify"
        return f"ok: {report.checked} entries verified, head {report.head_seq}:{report.head_hash}"
    return f"broken at row {report.broken_seq}: {report.reason}"


async def _listing(
    request: Request,
    console: Console,
    staff: Staff,
    before: int | None,
    report: ChainReport | None = None,
    anchor: str = "",
) -> Response:
    require(staff.principal, Role.ADMIN)
    # One more than a page: whether there are older entries, without counting them.
    found = await console.audit.tenant_entries(
        staff.principal.tenant, before_seq=before, limit=PAGE + 1
    )
    entries, older = found[:PAGE], len(found) > PAGE
    return page(
        request,
        "audit.html",
        entries=entries,
        older=entries[-1].seq if older else None,
        before=before,
        report=report,
        outcome=None if report is None else outcome(report),
        anchor=anchor,
        pretty=pretty,
    )


@router.get("/console/audit")
async def audit(
    request: Request,
    console: Console,
    staff: Staff,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    return await _listing(request, console, staff, before)


@router.post("/console/audit/verify")
async def verify(request: Request, console: Console, staff: Staff, form: Form) -> Response:
    """The result on the page itself, not behind a redirect: verifying changes nothing, so a
    reload that walks the chain again is harmless."""
    require(staff.principal, Role.ADMIN)
    anchor = form.get("anchor", "").strip()
    report = await verify_chain(console.audit, anchor=parse_anchor(anchor) if anchor else None)
    return await _listing(request, console, staff, None, report, anchor)
