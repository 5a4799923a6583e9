"""Hypothesis strategies shared by the test suite."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from strongroom.workflows.machine import Machine, edge

MAX = 2**63 - 1

#: Mostly ordinary amounts, sometimes the edges: zero, negative, the 64-bit limits and past them.
amounts = st.one_of(
    st.integers(1, 1_000),
    st.integers(1, 1_000),
    st.sampled_from([0, -5, MAX, MAX + 1, 2**62]),
)
codes = st.one_of(*[st.just(1)] * 6, st.sampled_from([0, 7, 65_536]))
ledgers = st.sampled_from(["USD"] * 8 + ["EUR", "XYZ"])

#: Rate limits from one request in 100 s to a thousand per second, so that the waits they give
#: range from microseconds to minutes (the limiters report whole seconds).
rates = st.one_of(st.floats(0.01, 1000.0), st.sampled_from([0.01, 1.0, 3.0, 1000.0]))
bursts = st.integers(1, 5)
#: Requests to a limiter: microseconds since the one before, and (API key, tenant) among three
#: keys, the first two of one tenant.
rate_limit_schedules = st.lists(
    st.tuples(
        st.integers(0, 5_000_000), st.sampled_from([("k0", "t0"), ("k1", "t0"), ("k2", "t1")])
    ),
    max_size=40,
)


@dataclass(frozen=True)
class MachineSpec:
    """A valid state machine as plain data, with what it needs to be built: each guard, named in
    `guards`, reads the subject passed to Machine.next(), a mapping from guard names to bools."""

    name: str
    initial: str
    states: tuple[str, ...]
    terminal: frozenset[str]
    #: (sources, event, target, guard name or None), in declaration order.
    edges: tuple[tuple[tuple[str, ...], str, str, str | None], ...]

    @property
    def guards(self) -> tuple[str, ...]:
        return tuple(guard for *_, guard in self.edges if guard is not None)

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(event for _, event, _, _ in self.edges))

    def build(self) -> Machine:
        return Machine(
            self.name,
            initial=self.initial,
            edges=[
                edge(sources, event, target, None if guard is None else _reads(guard))
                for sources, event, target, guard in self.edges
            ],
            terminal=self.terminal,
        )


def _reads(name: str) -> Callable[[Mapping[str, bool]], bool]:
    def guard(subject: Mapping[str, bool]) -> bool:
        return subject[name]

    guard.__name__ = name
    return guard


#: Names as machines accept them (A-Z a-z 0-9 _ . -).
machine_names = st.from_regex(r"[A-Za-z0-9_.-]{1,6}", fullmatch=True)


@st.composite
def machine_specs(draw: st.DrawFn) -> MachineSpec:
    """Random valid machines: a spanning tree from the initial state makes every state reachable,
    random extra edges (some from several states, some guarded, some on an event another edge
    from the same state uses already) add choices and cycles, and every state that is not
    terminal gets a way out."""
    states = draw(st.lists(machine_names, min_size=1, max_size=7, unique=True))
    events = draw(st.lists(machine_names, min_size=1, max_size=4, unique=True))
    initial, others = states[0], states[1:]
    # A terminal initial state cannot leave, so it makes a machine of one state and no edge.
    initial_is_terminal = not others and draw(st.booleans())
    terminal = {state for state in others if draw(st.booleans())}
    if initial_is_terminal:
        terminal.add(initial)
    moving = [state for state in states if state not in terminal]
    drafts: list[tuple[tuple[str, ...], str, str]] = []
    # Whether each draft is guarded; guard names are given once every edge is known.
    guarded: list[bool] = []

    def add(sources: tuple[str, ...], event: str, target: str, with_guard: bool) -> None:
        for index, (earlier, earlier_event, _) in enumerate(drafts):
            if earlier_event == event and set(earlier) & set(sources):
                # An unguarded edge would leave the later one on its step no chance: guard it.
                guarded[index] = True
        drafts.append((sources, event, target))
        guarded.append(with_guard)

    for index, state in enumerate(others, start=1):
        parent = draw(st.sampled_from([s for s in states[:index] if s not in terminal]))
        add((parent,), draw(st.sampled_from(events)), state, draw(st.booleans()))
    if moving:
        for _ in range(draw(st.integers(0, 8))):
            sources = draw(st.lists(st.sampled_from(moving), min_size=1, max_size=3, unique=True))
            target = draw(st.sampled_from(states))
            add(tuple(sources), draw(st.sampled_from(events)), target, draw(st.booleans()))
    for state in moving:
        if not any(state in sources for sources, *_ in drafts):
            target = draw(st.sampled_from(states))
            add((state,), draw(st.sampled_from(events)), target, draw(st.booleans()))
    edges = tuple(
        (sources, event, target, f"g{index}" if guarded[index] else None)
        for index, (sources, event, target) in enumerate(drafts)
    )
    return MachineSpec(draw(machine_names), initial, tuple(states), frozenset(terminal), edges)


def _mostly(valid: Sequence[object], invalid: Sequence[object]) -> st.SearchStrategy[object]:
    """One of `valid` nine times in ten, else one of `invalid`: with a dozen fields, a payment
    is then often valid throughout, and often refused for one field or a few."""
    return st.sampled_from([*valid] * (9 * len(invalid)) + [*invalid] * len(valid))


#: Texts of the edges the API bounds: 200 characters, non-ASCII; empty, 201, a NUL.
_texts = (["x", "Jane Roe", "b" * 200, "é" * 200], ["", "b" * 201, "a\x00b"])
_dates = (["2020-01-31", "1970-01-01"], ["2021-02-29", "31/01/1970", "20200131", "2020-1-31", ""])
#: None: a field left out.
_none = [None]


@st.composite
def payment_bodies(draw: st.DrawFn) -> dict[str, object]:
    """A payment as a JSON body of POST /v1/compliance/decisions, valid or not, field by field,
    within what a proto3 message can carry too (no negative amount, no `null`, no extra key):
    what the gRPC edge must refuse exactly where the HTTP edge refuses."""
    texts, bad_texts = _texts
    dates, bad_dates = _dates
    optional_text = _mostly([*texts, None], bad_texts)
    optional_date = _mostly([*dates, None], bad_dates)
    body: dict[str, object] = {
        "subject": draw(_mostly(texts, bad_texts)),
        "amount": draw(_mostly([0, 1, 100_001, MAX], [MAX + 1, 2**64 - 1])),
        "currency": draw(_mostly(["SGD", "USD"], ["sgd", "SG", "SGDX", ""])),
        "direction": draw(_mostly(["in", "out", None], ["IN", "sideways"])),
        "channel": draw(_mostly(["api", "card", None], bad_texts[1:])),
        "counterparty": {
            "name": draw(optional_text),
            "country": draw(_mostly(["SG", "KP", None], ["sg", "Singapore", "", "S1"])),
            "account": draw(optional_text),
            "birth_date": draw(optional_date),
        },
        "beneficiary": draw(optional_text),
        "customer": draw(
            st.sampled_from(_none)
            | st.fixed_dictionaries(
                {
                    "id": _mostly(texts, bad_texts),
                    "risk_rating": optional_text,
                    "kyc_status": optional_text,
                    "since": optional_date,
                }
            )
        ),
        "account": draw(
            st.sampled_from(_none)
            | st.fixed_dictionaries(
                {"id": _mostly(texts, bad_texts), "product": optional_text, "opened": optional_date}
            )
        ),
        "at": draw(_mostly([0, 1_800_000_000 * 10**9, MAX, None], [MAX + 1])),
    }
    return _present(body)


def _present(value: Mapping[str, object]) -> dict[str, object]:
    """`value` without its None fields, nested ones too."""
    return {
        k: _present(v) if isinstance(v, Mapping) else v for k, v in value.items() if v is not None
    }
