"""The reference model machines are checked against: for each (state, event), the declared
edges in order as (whether the guard allows, target); the first allowed one wins."""

from __future__ import annotations

from collections.abc import Mapping

from tests.strategies import MachineSpec


class Reference:
    def __init__(self, spec: MachineSpec, subject: Mapping[str, bool]) -> None:
        self.steps: dict[tuple[str, str], list[tuple[bool, str]]] = {}
        for sources, event, target, guard in spec.edges:
            allowed = guard is None or subject[guard]
            for source in sources:
                self.steps.setdefault((source, event), []).append((allowed, target))

    def next(self, state: str, event: str) -> str | None:
        """The state `event` leads to from `state`; None: no transition."""
        return next((target for ok, target in self.steps.get((state, event), []) if ok), None)

    def events(self, state: str) -> list[str]:
        return [event for source, event in self.steps if source == state]
