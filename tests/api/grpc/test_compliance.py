"""strongroom.v1.Compliance through a real gRPC client over loopback, on both backends: rule sets
published, listed, diffed, backtested and put in force; decisions on typed payments; refusals
naming every bad field, roles, and another tenant's rule sets and decisions unseen."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pydantic
import pytest
from hypothesis import given

from strongroom.api.grpc import start_grpc_server
from strongroom.api.grpc.compliance import payment_in
from strongroom.api.grpc.gen import compliance_pb2 as pb
from strongroom.api.grpc.gen import compliance_pb2_grpc
from strongroom.api.http.compliance import PaymentIn
from strongroom.bootstrap.platform import Platform
from strongroom.compliance.rules.facts import Payment
from strongroom.errors import ValidationError
from tests.strategies import payment_bodies

NS = 10**9
T0 = 1_800_000_000
Metadata = tuple[tuple[str, str], ...]
RULES = """\
windows:
  - {id: c1h, scope: customer, length: 1h}
rules:
  - id: big
    message: over 1,000.00
    when: {payment.amount: {gt: 100000}}
    action: review
  - id: burst
    message: more than 2 payments an hour
    when: {velocity.c1h.count: {gt: 2}}
    action: block
"""


@pytest.fixture
async def stub(platform: Platform) -> AsyncIterator[compliance_pb2_grpc.ComplianceStub]:
    services = await platform.services()
    server, port = await start_grpc_server(
        services.ledger_service,
        services.access,
        "127.0.0.1",
        0,
        compliance=services.compliance,
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield compliance_pb2_grpc.ComplianceStub(channel)
    await channel.close()
    await server.stop(None)


async def bearer(platform: Platform, tenant: str, role: str) -> Metadata:
    new = await (await platform.access()).create(tenant, role)
    return (("authorization", f"Bearer {new.token}"),)


def payment(subject: str, amount: int = 1_000, at: int = T0 * NS, **extra: Any) -> pb.Payment:
    fields: dict[str, Any] = {
        "subject": subject,
        "amount": amount,
        "currency": "SGD",
        "counterparty": pb.Counterparty(name="Jane Roe", country="SG"),
        "customer": pb.PaymentCustomer(id="c1", risk_rating="low", since="2020-01-31"),
        "account": pb.PaymentAccount(id="a1", product="basic"),
        "at": at,
    }
    return pb.Payment(**(fields | extra))


async def refused(call: Any, request: Any, md: Metadata) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call(request, metadata=md)
    return error.value


def problem_type(error: grpc.aio.AioRpcError) -> str:
    return str(dict(error.trailing_metadata() or ()).get("problem-type", ""))


async def test_publish_decide_and_list_decisions(
    stub: compliance_pb2_grpc.ComplianceStub, platform: Platform
) -> None:
    admin = await bearer(platform, "acme", "admin")
    writer = await bearer(platform, "acme", "write")
    published = await stub.PublishRuleSet(
        pb.PublishRuleSetRequest(source=RULES, status="enforce"), metadata=admin
    )
    assert (published.version, published.status, published.source) == (1, "enforce", RULES)
    outcomes = [
        (await stub.Decide(payment(f"p{i}", at=(T0 + i) * NS), metadata=writer)).outcome
        for i in range(4)
    ]
    assert outcomes == ["allow", "allow", "block", "block"]
    big = payment("big", 500_000, customer=pb.PaymentCustomer(id="c9"))
    review = await stub.Decide(big, metadata=writer)
    assert (review.outcome, review.mode, review.rule_set_version) == ("review", "enforce", 1)
    assert [(f.rule_id, f.action) for f in review.fired] == [("big", "review")]
    again = await stub.Decide(big, metadata=writer)
    assert again.id == review.id
    page = await stub.ListDecisions(pb.ListDecisionsRequest(limit=2), metadata=writer)
    assert [d.subject for d in page.items] == ["big", "p3"]
    rest = await stub.ListDecisions(
        pb.ListDecisionsRequest(limit=10, cursor=page.next_cursor), metadata=writer
    )
    assert [d.subject for d in rest.items] == ["p2", "p1", "p0"]
    assert rest.next_cursor == ""
    blocked = await stub.ListDecisions(pb.ListDecisionsRequest(outcome="block"), metadata=writer)
    assert {d.subject for d in blocked.items} == {"p2", "p3"}
    one = await stub.ListDecisions(pb.ListDecisionsRequest(subject="p0"), metadata=writer)
    assert [d.outcome for d in one.items] == ["allow"]


async def test_every_payment_field_reaches_the_rules(
    stub: compliance_pb2_grpc.ComplianceStub, platform: Platform
) -> None:
    rules = """\
thresholds: {review: 1000, block: 2000}
rules:
  - {id: country, message: m, when: {counterparty.country: {eq: KP}}, score: 1}
  - {id: name, message: m, when: {counterparty.name: {eq: Kim}}, score: 1}
  - {id: party-account, message: m, when: {counterparty.account: {eq: KP1}}, score: 1}
  - {id: beneficiary, message: m, when: {payment.beneficiary: {eq: Bob}}, score: 1}
  - {id: channel, message: m, when: {payment.channel: {eq: api}}, score: 1}
  - {id: direction, message: m, when: {payment.direction: {eq: in}}, score: 1}
  - {id: currency, message: m, when: {payment.currency: {eq: SGD}}, score: 1}
  - id: customer
    message: m
    when: {customer.id: {eq: c1}, customer.risk_rating: {eq: high}, customer.kyc_status: {eq: ok}}
    score: 1
  - {id: relationship, message: m, when: {customer.relationship_days: {eq: 10}}, score: 1}
  - id: account
    message: m
    when: {account.id: {eq: a1}, account.product: {eq: basic}, account.age_days: {eq: 3}}
    score: 1
"""
    admin = await bearer(platform, "acme", "admin")
    await stub.PublishRuleSet(
        pb.PublishRuleSetRequest(source=rules, status="enforce"), metadata=admin
    )
    at = int(dt.datetime(2026, 12, 11, tzinfo=dt.UTC).timestamp()) * NS
    decision = await stub.Decide(
        pb.Payment(
            subject="full",
            amount=1,
            currency="SGD",
            direction="in",
            counterparty=pb.Counterparty(
                name="Kim", country="KP", account="KP1", birth_date="1970-01-01"
            ),
            beneficiary="Bob",
            customer=pb.PaymentCustomer(
                id="c1", risk_rating="high", kyc_status="ok", since="2026-12-01"
            ),
            account=pb.PaymentAccount(id="a1", product="basic", opened="2026-12-08"),
            at=at,
        ),
        metadata=await bearer(platform, "acme", "write"),
    )
    assert {f.rule_id for f in decision.fired} == {
        "country",
        "name",
        "party-account",
        "beneficiary",
        "channel",
        "direction",
        "currency",
        "customer",
        "relationship",
        "account",
    }
    assert (decision.score, decision.outcome, decision.failure) == (10, "allow", "")


async def test_an_invalid_rule_set_names_every_issue_with_its_line(
    stub: compliance_pb2_grpc.ComplianceStub, platform: Platform
) -> None:
    admin = await bearer(platform, "acme", "admin")
    bad = RULES.replace("payment.amount", "payment.amont").replace("{gt: 2}", "{gt: two}")
    error = await refused(stub.PublishRuleSet, pb.PublishRuleSetRequest(source=bad), admin)
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert problem_type(error).endswith(":rule_set_error")
    issues = (error.details() or "").split("; ")
    assert [issue.partition(": ")[0] for issue in issues] == [
        "rules[0].when.payment.amont",
        "rules[1].when.velocity.c1h.count.gt",
    ]
    assert issues[0].partition(": ")[2].startswith("line 6: unknown fact")
    listed = await stub.ListRuleSets(pb.ListRuleSetsRequest(), metadata=admin)
    assert list(listed.items) == []


async def test_show_status_diff_and_backtest(
    stub: compliance_pb2_grpc.ComplianceStub, platform: Platform
) -> None:
    admin = await bearer(platform, "acme", "admin")
    writer = await bearer(platform, "acme", "write")
    reader = await bearer(platform, "acme", "read")
    await stub.PublishRuleSet(
        pb.PublishRuleSetRequest(source=RULES, status="enforce"), metadata=admin
    )
    for i in range(5):
        await stub.Decide(payment(f"p{i}", at=(T0 + i * 60) * NS), metadata=writer)
    looser = RULES.replace("{gt: 2}", "{gt: 4}")
    draft = await stub.PublishRuleSet(pb.PublishRuleSetRequest(source=looser), metadata=admin)
    assert (draft.version, draft.status) == (2, "draft")
    listed = await stub.ListRuleSets(pb.ListRuleSetsRequest(), metadata=reader)
    assert [(s.version, s.status) for s in listed.items] == [(2, "draft"), (1, "enforce")]
    shown = await stub.ShowRuleSet(pb.ShowRuleSetRequest(version=2), metadata=reader)
    assert (shown.source, shown.digest) == (looser, draft.digest)
    diff = await stub.DiffRuleSets(pb.DiffRuleSetsRequest(old=1, new=2), metadata=reader)
    assert (list(diff.changed), list(diff.added), list(diff.removed)) == (["burst"], [], [])
    assert "+    when: {velocity.c1h.count: {gt: 4}}" in diff.text
    report = await stub.Backtest(
        pb.BacktestRequest(version=2, since=T0 * NS, until=(T0 + 3600) * NS), metadata=reader
    )
    assert (report.payments, report.baseline_version, report.candidate_version) == (5, 1, 2)
    assert dict(report.baseline) == {"allow": 2, "block": 3}
    assert dict(report.candidate) == {"allow": 4, "block": 1}
    assert dict(report.recorded) == {"allow": 2, "block": 3}
    assert report.changed == 2
    assert {(c.subject, c.baseline, c.candidate) for c in report.changes} == {
        ("p2", "block", "allow"),
        ("p3", "block", "allow"),
    }
    against_itself = await stub.Backtest(
        pb.BacktestRequest(version=1, since=T0 * NS, until=(T0 + 3600) * NS, against=1),
        metadata=reader,
    )
    assert (against_itself.baseline_version, against_itself.changed) == (1, 0)
    moved = await stub.SetRuleSetStatus(
        pb.SetRuleSetStatusRequest(version=2, status="enforce"), metadata=admin
    )
    assert moved.status == "enforce"
    first = await stub.ShowRuleSet(pb.ShowRuleSetRequest(version=1), metadata=reader)
    assert first.status == "retired"


@pytest.mark.parametrize(
    ("extra", "fields"),
    [
        ({"amount": 2**63}, ["amount"]),
        ({"currency": "sgd"}, ["currency"]),
        ({"counterparty": pb.Counterparty(country="Singapore")}, ["counterparty.country"]),
        ({"counterparty": pb.Counterparty(name="")}, ["counterparty.name"]),
        ({"counterparty": pb.Counterparty(birth_date="31/01/1970")}, ["counterparty.birth_date"]),
        ({"customer": pb.PaymentCustomer(id="c1", since="2021-02-29")}, ["customer.since"]),
        ({"customer": pb.PaymentCustomer()}, ["customer.id"]),
        ({"account": pb.PaymentAccount(id="a1", opened="20200131")}, ["account.opened"]),
        ({"direction": "sideways"}, ["direction"]),
        ({"channel": "a\x00b"}, ["channel"]),
        ({"beneficiary": "b" * 201}, ["beneficiary"]),
        ({"at": 2**63}, ["at"]),
        ({"subject": ""}, ["subject"]),
        (
            {"subject": "", "currency": "", "counterparty": pb.Counterparty(country="sg")},
            ["subject", "currency", "counterparty.country"],
        ),
    ],
)
async def test_bad_payments_are_refused_naming_every_field(
    stub: compliance_pb2_grpc.ComplianceStub,
    platform: Platform,
    extra: dict[str, Any],
    fields: list[str],
) -> None:
    writer = await bearer(platform, "acme", "write")
    error = await refused(stub.Decide, payment(**({"subject": "p"} | extra)), writer)
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert problem_type(error).endswith(":validation_error")
    named = [issue.partition(": ")[0] for issue in (error.details() or "").split("; ")]
    assert named == fields
    listed = await stub.ListDecisions(pb.ListDecisionsRequest(), metadata=writer)
    assert list(listed.items) == []


@given(payment_bodies())
def test_a_payment_is_refused_where_the_http_edge_refuses_it(body: dict[str, Any]) -> None:
    """The same fields refused, in the same order; an accepted payment decided on as the same
    Payment. (An empty `direction` or `channel` is proto3's "not set", so the strategy leaves
    those out instead.)"""
    http: Payment | None = None
    http_refused: list[str] = []
    try:
        http = PaymentIn.model_validate(body).payment()
    except pydantic.ValidationError as error:
        http_refused = [".".join(map(str, e["loc"])) for e in error.errors()]
    grpc_payment: Payment | None = None
    grpc_refused: list[str] = []
    try:
        grpc_payment = payment_in(pb.Payment(**body))
    except ValidationError as error:
        grpc_refused = [field for field, _ in error.field_errors()]
    assert grpc_refused == http_refused
    assert grpc_payment == http


async def test_bad_versions_statuses_and_paging_are_refused_naming_the_field(
    stub: compliance_pb2_grpc.ComplianceStub, platform: Platform
) -> None:
    admin = await bearer(platform, "acme", "admin")
    await stub.PublishRuleSet(pb.PublishRuleSetRequest(source=RULES), metadata=admin)
    for call, request, field in (
        (stub.PublishRuleSet, pb.PublishRuleSetRequest(source=""), "source"),
        (stub.PublishRuleSet, pb.PublishRuleSetRequest(source=RULES, status="on"), "status"),
        (stub.PublishRuleSet, pb.PublishRuleSetRequest(source=RULES, status="retired"), "status"),
        (stub.ShowRuleSet, pb.ShowRuleSetRequest(version=0), "version"),
        (stub.ShowRuleSet, pb.ShowRuleSetRequest(version=2**31), "version"),
        (stub.SetRuleSetStatus, pb.SetRuleSetStatusRequest(version=0, status="draft"), "version"),
        (stub.SetRuleSetStatus, pb.SetRuleSetStatusRequest(version=1, status="live"), "status"),
        (stub.DiffRuleSets, pb.DiffRuleSetsRequest(old=1, new=0), "new"),
        (stub.Backtest, pb.BacktestRequest(version=0), "version"),
        (stub.Backtest, pb.BacktestRequest(version=1, against=0), "against"),
        (stub.Backtest, pb.BacktestRequest(version=1, until=2**63), "until"),
        (stub.ListDecisions, pb.ListDecisionsRequest(cursor="x1"), "cursor"),
        (stub.ListDecisions, pb.ListDecisionsRequest(cursor=str(2**63)), "cursor"),
        (stub.ListDecisions, pb.ListDecisionsRequest(limit=501), "limit"),
        (stub.ListDecisions, pb.ListDecisionsRequest(outcome="maybe"), "outcome"),
        (stub.ListDecisions, pb.ListDecisionsRequest(subject=""), "subject"),
    ):
        error = await refused(call, request, admin)
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT, (request, error.details())
        assert (error.details() or "").startswith(f"{field}: "), (request, error.details())
    listed = await stub.ListRuleSets(pb.ListRuleSetsRequest(), metadata=admin)
    assert [(s.version, s.status) for s in listed.items] == [(1, "draft")]


async def test_roles_and_tenants(
    stub: compliance_pb2_grpc.ComplianceStub, platform: Platform
) -> None:
    admin = await bearer(platform, "acme", "admin")
    writer = await bearer(platform, "acme", "write")
    reader = await bearer(platform, "acme", "read")
    publish = pb.PublishRuleSetRequest(source=RULES, status="enforce")
    for call, request, md in (
        (stub.PublishRuleSet, publish, writer),
        (stub.SetRuleSetStatus, pb.SetRuleSetStatusRequest(version=1, status="draft"), writer),
        (stub.Decide, payment("p"), reader),
    ):
        error = await refused(call, request, md)
        assert error.code() is grpc.StatusCode.PERMISSION_DENIED
    error = await refused(stub.ListRuleSets, pb.ListRuleSetsRequest(), ())
    assert error.code() is grpc.StatusCode.UNAUTHENTICATED
    await stub.PublishRuleSet(publish, metadata=admin)
    ours = await stub.Decide(payment("p"), metadata=writer)
    other = await bearer(platform, "globex", "admin")
    for call, request in (
        (stub.ShowRuleSet, pb.ShowRuleSetRequest(version=1)),
        (stub.SetRuleSetStatus, pb.SetRuleSetStatusRequest(version=1, status="draft")),
        (stub.DiffRuleSets, pb.DiffRuleSetsRequest(old=1, new=1)),
        (stub.Backtest, pb.BacktestRequest(version=1, until=T0 * NS)),
        (stub.ListDecisions, pb.ListDecisionsRequest(subject="p")),
    ):
        error = await refused(call, request, other)
        assert error.code() is grpc.StatusCode.NOT_FOUND, request
    assert list((await stub.ListRuleSets(pb.ListRuleSetsRequest(), metadata=other)).items) == []
    assert list((await stub.ListDecisions(pb.ListDecisionsRequest(), metadata=other)).items) == []
    # The same subject in another tenant is another payment: decided anew, without our rules.
    theirs = await stub.Decide(payment("p"), metadata=await bearer(platform, "globex", "write"))
    assert theirs.id != ours.id
    assert not theirs.HasField("rule_set_version")
    mine = await stub.ListDecisions(pb.ListDecisionsRequest(subject="p"), metadata=reader)
    assert [d.id for d in mine.items] == [ours.id]
