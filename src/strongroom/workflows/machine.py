"""State machines declared in code: states, the events that move between them, guards, and
actions on entering a state; checked whole when built, drawn as Mermaid or Graphviz.

    payment = Machine(
        "payment",
        initial="initiated",
        edges=[
            edge("initiated", "post", "posted", within_limit),
            edge("initiated", "post", "held"),
            edge(("initiated", "held"), "cancel", "cancelled"),
            edge("held", "release", "posted"),
        ],
        terminal={"posted", "cancelled"},
    )
    payment.next("initiated", "post", intent)  # "posted", or "held" when within_limit refuses

A machine is pure: it never stores a state nor runs an entry action, it answers what follows
what; the engine does the rest. Services layer: imports strongroom.errors only, and never
strongroom.store, api, cli or bootstrap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from strongroom.errors import ConfigurationError, Conflict

# Names end up in graphs, URLs and metric labels: nothing there needs quoting or escaping.
_NAME = re.compile(r"[A-Za-z0-9_.-]+")
# Graphviz needs a node for the start arrow; `[` is outside _NAME, so no state is called that.
_START = '"[*]"'


class IllegalTransition(Conflict):
    """An event a state does not accept: no edge declares it, every guard on it refused, or the
    state is not one of the machine's."""

    code = "illegal_transition"

    def __init__(self, machine: str, state: str, event: str, reason: str) -> None:
        super().__init__(f"{machine}: no transition on {event!r} from state {state!r}: {reason}")
        self.machine = machine
        self.state = state
        self.event = event
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Edge:
    """`event` moves any of `sources` to `target` when `guard`, called with the subject, allows."""

    sources: frozenset[str]
    event: str
    target: str
    guard: Callable[[Any], bool] | None = None
    #: The guard's label in graphs and errors; the guard's `__name__` unless given.
    guard_name: str | None = None

    def __post_init__(self) -> None:
        if self.guard is not None and self.guard_name is None:
            name = getattr(self.guard, "__name__", type(self.guard).__name__)
            object.__setattr__(self, "guard_name", name)


def edge(
    sources: str | Iterable[str],
    event: str,
    target: str,
    guard: Callable[[Any], bool] | None = None,
    *,
    guard_name: str | None = None,
) -> Edge:
    """An edge from one state (a string) or from each of several."""
    froms = frozenset((sources,) if isinstance(sources, str) else sources)
    return Edge(froms, event, target, guard, guard_name)


class Machine:
    """A validated state machine. `states` lists the initial state first, then every other in
    the order the edges name them (the sources of one edge alphabetically, then its target)."""

    def __init__(
        self,
        name: str,
        *,
        initial: str,
        edges: Sequence[Edge],
        terminal: Iterable[str],
        on_enter: Mapping[str, Callable[[Any], None]] | None = None,
    ) -> None:
        if isinstance(terminal, str):
            # A string is an iterable of one-letter states: almost certainly not what was meant.
            raise ConfigurationError(f"{name}: terminal must be a collection of states, not a str")
        self.name = name
        self.initial = initial
        self.terminal = frozenset(terminal)
        self._edges = tuple(edges)
        self._on_enter = dict(on_enter or {})
        self.states = _states(initial, self._edges)
        _check_names(name, initial, self.terminal, self._edges, self._on_enter)
        _check_shape(name, initial, self.terminal, self._edges, self._on_enter, self.states)
        # The hot path: next() is one dict lookup plus a walk over a handful of guards.
        by_step: dict[tuple[str, str], list[Edge]] = {}
        by_state: dict[str, dict[str, None]] = {state: {} for state in self.states}
        for each in self._edges:
            for source in sorted(each.sources):
                by_step.setdefault((source, each.event), []).append(each)
                by_state[source][each.event] = None
        self._steps = {step: tuple(edges) for step, edges in by_step.items()}
        self._events = {state: tuple(events) for state, events in by_state.items()}

    def next(self, state: str, event: str, subject: object = None) -> str:
        """The state `event` moves `state` to: the target of the first edge, in declaration
        order, whose guard allows `subject`. IllegalTransition when there is none."""
        edges = self._steps.get((state, event))
        if edges is not None:
            for each in edges:
                if each.guard is None or each.guard(subject):
                    return each.target
        raise IllegalTransition(self.name, state, event, self._refusal(state, edges))

    def can(self, state: str, event: str, subject: object = None) -> bool:
        """Whether next() would move `state` on `event` rather than raise."""
        for each in self._steps.get((state, event), ()):
            if each.guard is None or each.guard(subject):
                return True
        return False

    def events(self, state: str) -> tuple[str, ...]:
        """The events edges declare from `state`, in declaration order; none for a terminal or
        unknown state. Guards are not consulted."""
        return self._events.get(state, ())

    def edges_from(self, state: str, event: str) -> tuple[Edge, ...]:
        """The edges leaving `state` on `event`, in declaration order (guards not consulted)."""
        return self._steps.get((state, event), ())

    def is_terminal(self, state: str) -> bool:
        return state in self.terminal

    def entry_action(self, state: str) -> Callable[[Any], None] | None:
        """What the engine runs on entering `state`, if anything."""
        return self._on_enter.get(state)

    def mermaid(self) -> str:
        """A Mermaid `stateDiagram-v2`: each state declared once, then one line per edge and
        source, then the terminal states' exits."""
        lines = ["stateDiagram-v2", *(f"    {state}" for state in self.states)]
        lines.append(f"    [*] --> {self.initial}")
        lines.extend(
            f"    {source} --> {each.target}: {_label(each)}"
            for each in self._edges
            for source in sorted(each.sources)
        )
        lines.extend(f"    {state} --> [*]" for state in self.states if state in self.terminal)
        return "\n".join(lines) + "\n"

    def graphviz(self) -> str:
        """A Graphviz digraph: terminal states as double circles, one edge per edge and source."""
        lines = [
            f'digraph "{self.name}" {{',
            "    rankdir=LR;",
            f'    {_START} [shape=point label=""];',
        ]
        for state in self.states:
            shape = "doublecircle" if state in self.terminal else "circle"
            lines.append(f'    "{state}" [shape={shape}];')
        lines.append(f'    {_START} -> "{self.initial}";')
        lines.extend(
            f'    "{source}" -> "{each.target}" [label="{_label(each)}"];'
            for each in self._edges
            for source in sorted(each.sources)
        )
        lines.append("}")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"Machine({self.name!r}, {len(self.states)} states, {len(self._edges)} edges)"

    def _refusal(self, state: str, edges: tuple[Edge, ...] | None) -> str:
        if edges is not None:
            guards = ", ".join(repr(each.guard_name) for each in edges)
            return f"guard {guards} refused" if len(edges) == 1 else f"guards {guards} refused"
        if state not in self._events:
            return "unknown state"
        return "no edge declares it"


def _label(edge: Edge) -> str:
    """How graphs name an edge: `event [guard]`, or `event` alone."""
    return edge.event if edge.guard is None else f"{edge.event} [{edge.guard_name}]"


def _states(initial: str, edges: Sequence[Edge]) -> tuple[str, ...]:
    seen = {initial: None}
    for each in edges:
        for state in (*sorted(each.sources), each.target):
            seen.setdefault(state, None)
    return tuple(seen)


def _check_names(
    name: str,
    initial: str,
    terminal: frozenset[str],
    edges: Sequence[Edge],
    on_enter: Mapping[str, object],
) -> None:
    def check(what: str, value: str | None) -> None:
        if value is None or not _NAME.fullmatch(value):
            raise ConfigurationError(
                f"{name or '<unnamed machine>'}: {what} {value!r} must be one or more of "
                "A-Z a-z 0-9 _ . - (names end up in graphs, URLs and metrics)"
            )

    check("machine name", name)
    check("initial state", initial)
    for state in sorted(terminal):
        check("terminal state", state)
    for state in on_enter:
        check("on_enter state", state)
    for each in edges:
        if not each.sources:
            raise ConfigurationError(f"{name}: the edge on {each.event!r} has no source")
        for state in sorted(each.sources):
            check("state", state)
        check("event", each.event)
        check("state", each.target)
        if each.guard is None and each.guard_name is not None:
            raise ConfigurationError(
                f"{name}: the edge on {each.event!r} names guard {each.guard_name!r} "
                "but has no guard"
            )
        if each.guard is not None:
            check("guard (pass guard_name= to label it)", each.guard_name)


def _check_shape(
    name: str,
    initial: str,
    terminal: frozenset[str],
    edges: Sequence[Edge],
    on_enter: Mapping[str, object],
    states: tuple[str, ...],
) -> None:
    if not edges:
        if initial not in terminal:
            raise ConfigurationError(
                f"{name}: a machine without edges must start in a terminal state, "
                f"and {initial!r} is not one"
            )
    elif not any(initial in each.sources or initial == each.target for each in edges):
        raise ConfigurationError(f"{name}: initial state {initial!r} is on no edge")
    unguarded: dict[tuple[str, str], Edge] = {}
    for each in edges:
        for source in sorted(each.sources):
            if source in terminal:
                raise ConfigurationError(
                    f"{name}: terminal state {source!r} has an edge out on {each.event!r}"
                )
            earlier = unguarded.get((source, each.event))
            if earlier is not None:
                raise ConfigurationError(
                    f"{name}: the edge {source!r} -> {each.target!r} on {each.event!r} can never "
                    f"fire: the unguarded edge to {earlier.target!r} before it always does"
                )
            if each.guard is None:
                unguarded[(source, each.event)] = each
    targets = {each.target for each in edges}
    if unreached := sorted(terminal - targets - {initial}):
        raise ConfigurationError(f"{name}: terminal states never reached: {_quoted(unreached)}")
    if unknown := [state for state in on_enter if state not in states]:
        raise ConfigurationError(
            f"{name}: on_enter names no state of the machine: {_quoted(unknown)}"
        )
    reached = _reachable(initial, edges)
    if unreachable := [state for state in states if state not in reached]:
        raise ConfigurationError(
            f"{name}: states unreachable from {initial!r}: {_quoted(unreachable)}"
        )
    sources = {source for each in edges for source in each.sources}
    if dead_ends := [state for state in states if state not in terminal and state not in sources]:
        raise ConfigurationError(
            f"{name}: dead ends (not terminal, and no edge leaves them): {_quoted(dead_ends)}"
        )


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _reachable(initial: str, edges: Sequence[Edge]) -> set[str]:
    """The states some sequence of events leads to from `initial`, if every guard allowed."""
    reached, frontier = {initial}, [initial]
    while frontier:
        state = frontier.pop()
        for each in edges:
            if state in each.sources and each.target not in reached:
                reached.add(each.target)
                frontier.append(each.target)
    return reached
