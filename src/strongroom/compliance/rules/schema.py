"""The rule-set file format, as pydantic models: the shape of every section.

A rule's `when` is a condition tree checked by compiler.py, which knows the fact catalogue;
docs/compliance.md shows a full file. Must not import a database, api/ or cli/.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, model_validator

from strongroom.compliance.rules.velocity import Scope

Ident = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
ListName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Score = Annotated[StrictInt, Field(ge=-1000, le=1000)]
#: Rules a set may hold: a decision evaluates all of them, so the bound is a latency bound.
MAX_RULES = 500


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThresholdsSpec(_Spec):
    review: Annotated[StrictInt, Field(ge=1)] = 50
    block: Annotated[StrictInt, Field(ge=1)] = 100

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdsSpec:
        if self.block < self.review:
            raise ValueError("block must be at least review")
        return self


class WindowSpec(_Spec):
    id: Ident
    scope: Scope
    #: `15m`, `1h`, `30d`.
    length: StrictStr


class RuleSpec(_Spec):
    id: Ident
    message: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    when: dict[str, Any]
    action: Literal["allow", "review", "block", "score"] = "score"
    score: Score = 0


class RuleSetSpec(_Spec):
    description: Annotated[StrictStr, Field(max_length=500)] = ""
    thresholds: ThresholdsSpec = ThresholdsSpec()
    lists: dict[ListName, Annotated[list[StrictStr], Field(max_length=100_000)]] = {}
    windows: Annotated[list[WindowSpec], Field(max_length=20)] = []
    rules: Annotated[list[RuleSpec], Field(min_length=1, max_length=MAX_RULES)]
