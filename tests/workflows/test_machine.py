from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.errors import ConfigurationError, Conflict
from strongroom.workflows.machine import Edge, IllegalTransition, Machine, edge
from tests.strategies import MachineSpec, machine_specs
from tests.workflows.reference import Reference


def subjects(spec: MachineSpec) -> st.SearchStrategy[dict[str, bool]]:
    return st.fixed_dictionaries({guard: st.booleans() for guard in spec.guards})


def all_pass(spec: MachineSpec) -> dict[str, bool]:
    return dict.fromkeys(spec.guards, True)


@given(data=st.data(), spec=machine_specs())
def test_next_is_the_reference_for_every_state_and_event(
    data: st.DataObject, spec: MachineSpec
) -> None:
    machine, subject = spec.build(), data.draw(subjects(spec))
    model = Reference(spec, subject)
    for state in (*spec.states, "unknown-state"):
        for event in (*spec.events, "unknown-event"):
            expected = model.next(state, event)
            assert machine.can(state, event, subject) == (expected is not None)
            if expected is not None:
                assert machine.next(state, event, subject) == expected
                continue
            with pytest.raises(IllegalTransition) as refused:
                machine.next(state, event, subject)
            assert (refused.value.machine, refused.value.state, refused.value.event) == (
                spec.name,
                state,
                event,
            )
            assert f"{event!r} from state {state!r}" in str(refused.value)


@given(spec=machine_specs())
def test_states_and_events_are_listed_in_declaration_order(spec: MachineSpec) -> None:
    machine, model = spec.build(), Reference(spec, all_pass(spec))
    assert machine.states[0] == spec.initial
    assert sorted(machine.states) == sorted(spec.states)
    assert machine.terminal == spec.terminal
    for state in spec.states:
        assert machine.events(state) == tuple(model.events(state))
        assert machine.is_terminal(state) == (state in spec.terminal)


@given(spec=machine_specs())
def test_a_terminal_state_accepts_no_event(spec: MachineSpec) -> None:
    machine = spec.build()
    for state in spec.terminal:
        assert machine.events(state) == ()
        for event in spec.events:
            with pytest.raises(IllegalTransition):
                machine.next(state, event, all_pass(spec))


@given(data=st.data(), spec=machine_specs())
def test_a_walk_stays_within_the_states(data: st.DataObject, spec: MachineSpec) -> None:
    machine, subject = spec.build(), data.draw(subjects(spec))
    state = machine.initial
    for _ in range(20):
        legal = [event for event in machine.events(state) if machine.can(state, event, subject)]
        if not legal:
            break
        state = machine.next(state, data.draw(st.sampled_from(legal)), subject)
        assert state in machine.states


@given(data=st.data(), spec=machine_specs())
def test_a_walk_that_cannot_go_on_is_in_a_terminal_state(
    data: st.DataObject, spec: MachineSpec
) -> None:
    # With every guard allowing: a guard that refuses may strand a walk anywhere, by design.
    machine, subject = spec.build(), all_pass(spec)
    state = machine.initial
    for _ in range(20):
        legal = [event for event in machine.events(state) if machine.can(state, event, subject)]
        if not legal:
            assert machine.is_terminal(state)
            break
        assert not machine.is_terminal(state)
        state = machine.next(state, data.draw(st.sampled_from(legal)), subject)


def expected_lines(spec: MachineSpec) -> Counter[tuple[str, str, str, str | None]]:
    return Counter(
        (source, target, event, guard)
        for sources, event, target, guard in spec.edges
        for source in sources
    )


MERMAID_EDGE = re.compile(r"    (\S+) --> (\S+): (\S+)(?: \[(\S+)\])?")


@given(spec=machine_specs())
def test_mermaid_declares_every_state_and_edge_once(spec: MachineSpec) -> None:
    lines = spec.build().mermaid().splitlines()
    assert lines[0] == "stateDiagram-v2"
    states, starts, ends, edges = (
        Counter[str](),
        [],
        [],
        Counter[tuple[str, str, str, str | None]](),
    )
    for line in lines[1:]:
        if start := re.fullmatch(r"    \[\*\] --> (\S+)", line):
            starts.append(start[1])
        elif end := re.fullmatch(r"    (\S+) --> \[\*\]", line):
            ends.append(end[1])
        elif transition := MERMAID_EDGE.fullmatch(line):
            source, target, event, guard = transition.groups()
            edges[(source, target, event, guard)] += 1
        else:
            state = re.fullmatch(r"    (\S+)", line)
            assert state, line
            states[state[1]] += 1
    assert states == Counter(spec.states)
    assert starts == [spec.initial]
    assert sorted(ends) == sorted(spec.terminal)
    assert edges == expected_lines(spec)


GRAPHVIZ_NODE = re.compile(r'    "([^"]+)" \[shape=(circle|doublecircle)\];')
GRAPHVIZ_EDGE = re.compile(r'    "([^"]+)" -> "([^"]+)" \[label="(\S+)(?: \[(\S+)\])?"\];')


@given(spec=machine_specs())
def test_graphviz_declares_every_state_and_edge_once(spec: MachineSpec) -> None:
    lines = spec.build().graphviz().splitlines()
    assert lines[0] == f'digraph "{spec.name}" {{'
    assert lines[-1] == "}"
    shapes: Counter[tuple[str, str]] = Counter()
    edges: Counter[tuple[str, str, str, str | None]] = Counter()
    starts = []
    for line in lines[1:-1]:
        if node := GRAPHVIZ_NODE.fullmatch(line):
            shapes[(node[1], node[2])] += 1
        elif start := re.fullmatch(r'    "\[\*\]" -> "([^"]+)";', line):
            starts.append(start[1])
        elif transition := GRAPHVIZ_EDGE.fullmatch(line):
            source, target, event, guard = transition.groups()
            edges[(source, target, event, guard)] += 1
        else:
            assert line in ("    rankdir=LR;", '    "[*]" [shape=point label=""];'), line
    assert shapes == Counter(
        (state, "doublecircle" if state in spec.terminal else "circle") for state in spec.states
    )
    assert starts == [spec.initial]
    assert edges == expected_lines(spec)


def within_limit(subject: Any) -> bool:
    return bool(subject["amount"] <= 100)


PAYMENT = Machine(
    "payment",
    initial="initiated",
    edges=[
        edge("initiated", "post", "posted", within_limit),
        edge("initiated", "review", "held", within_limit, guard_name="small"),
        edge("initiated", "post", "held"),
        edge(("initiated", "held"), "cancel", "cancelled"),
        edge("held", "release", "posted"),
    ],
    terminal={"posted", "cancelled"},
    on_enter={"held": print},
)


def test_the_first_edge_whose_guard_allows_wins() -> None:
    assert PAYMENT.next("initiated", "post", {"amount": 100}) == "posted"
    assert PAYMENT.next("initiated", "post", {"amount": 101}) == "held"


def test_a_refusing_guard_is_named() -> None:
    with pytest.raises(IllegalTransition) as refused:
        PAYMENT.next("initiated", "review", {"amount": 101})
    assert refused.value.reason == "guard 'small' refused"
    assert str(refused.value) == (
        "payment: no transition on 'review' from state 'initiated': guard 'small' refused"
    )


def test_an_illegal_transition_is_a_conflict_naming_why() -> None:
    with pytest.raises(IllegalTransition) as undeclared:
        PAYMENT.next("held", "post")
    assert isinstance(undeclared.value, Conflict)
    assert undeclared.value.code == "illegal_transition"
    assert str(undeclared.value).startswith("payment: no transition on 'post' from state 'held'")
    with pytest.raises(IllegalTransition, match="unknown state") as unknown:
        PAYMENT.next("settled", "post")
    assert unknown.value.reason == "unknown state"


def test_the_machine_describes_itself() -> None:
    assert PAYMENT.states == ("initiated", "posted", "held", "cancelled")
    assert PAYMENT.events("initiated") == ("post", "review", "cancel")
    assert PAYMENT.entry_action("held") is print
    assert PAYMENT.entry_action("posted") is None
    assert "    initiated --> posted: post [within_limit]" in PAYMENT.mermaid().splitlines()
    assert '    "held" -> "cancelled" [label="cancel"];' in PAYMENT.graphviz().splitlines()


def test_an_edge_from_several_states_and_a_guard_label() -> None:
    shared = edge(["a", "b"], "go", "c", within_limit)
    assert shared == Edge(frozenset({"a", "b"}), "go", "c", within_limit, "within_limit")
    assert edge("a", "go", "c", within_limit, guard_name="small").guard_name == "small"


def test_a_machine_without_edges_starts_where_it_ends() -> None:
    done = Machine("noop", initial="done", edges=[], terminal=["done"])
    assert done.states == ("done",)
    assert done.is_terminal("done")
    assert "    done --> [*]" in done.mermaid().splitlines()


def refuses(reason: str, build: Callable[[], Machine]) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        build()


A_TO_B = [edge("a", "go", "b")]


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda: Machine("", initial="a", edges=A_TO_B, terminal=["b"]), "machine name ''"),
        (lambda: Machine("a b", initial="a", edges=A_TO_B, terminal=["b"]), "machine name 'a b'"),
        (
            lambda: Machine("m", initial="a", edges=[edge("a", "go", "b/c")], terminal=["b/c"]),
            "terminal state 'b/c' must be one or more of",
        ),
        (
            lambda: Machine("m", initial="a", edges=[edge("a", "", "b")], terminal=["b"]),
            "m: event '' must be",
        ),
        (
            lambda: Machine("m", initial="a", edges=[edge("a", "go", "")], terminal=[""]),
            "terminal state ''",
        ),
        (
            lambda: Machine(
                "m", initial="a", edges=[edge("a", "go", "b", lambda _: True)], terminal=["b"]
            ),
            "guard_name=",
        ),
        (lambda: Machine("m", initial="a", edges=[], terminal=[]), "without edges must start"),
        (lambda: Machine("m", initial="z", edges=A_TO_B, terminal=["b"]), "'z' is on no edge"),
        (
            lambda: Machine(
                "m", initial="a", edges=[*A_TO_B, edge("b", "back", "a")], terminal=["b"]
            ),
            "terminal state 'b' has an edge out on 'back'",
        ),
        (
            lambda: Machine("m", initial="a", edges=A_TO_B, terminal=["b", "c"]),
            "terminal states never reached: 'c'",
        ),
        (
            lambda: Machine(
                "m", initial="a", edges=[*A_TO_B, edge("c", "go", "b")], terminal=["b"]
            ),
            "states unreachable from 'a': 'c'",
        ),
        (
            lambda: Machine(
                "m", initial="a", edges=[*A_TO_B, edge("a", "stop", "c")], terminal=["b"]
            ),
            r"dead ends \(not terminal, and no edge leaves them\): 'c'",
        ),
        (
            lambda: Machine(
                "m", initial="a", edges=[*A_TO_B, edge("a", "go", "c")], terminal=["b", "c"]
            ),
            "the edge 'a' -> 'c' on 'go' can never fire",
        ),
        (
            lambda: Machine("m", initial="a", edges=A_TO_B, terminal=["b"], on_enter={"c": print}),
            "on_enter names no state of the machine: 'c'",
        ),
        (lambda: Machine("m", initial="a", edges=A_TO_B, terminal="b"), "not a str"),
        (
            lambda: Machine("m", initial="a", edges=[Edge(frozenset(), "go", "b")], terminal=["b"]),
            "has no source",
        ),
        (
            lambda: Machine(
                "m", initial="a", edges=[edge("a", "go", "b", guard_name="g")], terminal=["b"]
            ),
            "names guard 'g' but has no guard",
        ),
    ],
)
def test_an_invalid_machine_is_refused_naming_the_problem(
    build: Callable[[], Machine], reason: str
) -> None:
    refuses(reason, build)


def test_an_unguarded_edge_after_a_guarded_one_is_a_fallback() -> None:
    fallback = Machine(
        "m",
        initial="a",
        edges=[edge("a", "go", "b", within_limit), edge("a", "go", "c")],
        terminal=["b", "c"],
    )
    assert fallback.next("a", "go", {"amount": 500}) == "c"
