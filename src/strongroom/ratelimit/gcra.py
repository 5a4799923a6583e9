"""The token bucket as GCRA (generic cell rate algorithm): one number per bucket.

A bucket of `burst` tokens refilled at `rate` per second admits a request when it holds a whole
token. GCRA keeps, instead of a token count and the time it was counted, the bucket's
theoretical arrival time (TAT): the moment it would be full again. With `emission` the time one
token takes to come back, the bucket holds `(burst * emission - max(0, tat - now)) / emission`
tokens at `now`, so "a whole token is left" is `max(tat, now) + emission - now <= burst *
emission`, and the wait of a refused request is how far that misses. Same decisions as the token
bucket, one stored number, no refill step.

Times are whole microseconds: the Redis limiter runs the same arithmetic in Lua, whose numbers
are doubles, exact for integers below 2**53 (epoch microseconds are ~1.8e15). The emission is
rounded up to a whole microsecond, on the strict side (3000/s is 334 µs: 2994/s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from strongroom.errors import ValidationError

MICROSECONDS = 1_000_000


@dataclass(frozen=True, slots=True)
class Limit:
    """`rate` requests per second, `burst` at once."""

    rate: float
    burst: int
    #: Microseconds one token takes to come back.
    emission: int = field(init=False)
    #: How far ahead of now the TAT may run: `burst` tokens' worth.
    tolerance: int = field(init=False)

    def __post_init__(self) -> None:
        if not (isinstance(self.rate, int | float) and 0 < self.rate <= MICROSECONDS):
            raise ValidationError("rate", f"must be more than 0 and at most {MICROSECONDS}/s")
        if not (isinstance(self.burst, int) and self.burst >= 1):
            raise ValidationError("burst", "must be a whole number of at least 1")
        emission = math.ceil(MICROSECONDS / self.rate)
        object.__setattr__(self, "emission", emission)
        object.__setattr__(self, "tolerance", self.burst * emission)


def step(tat: int, now: int, limit: Limit) -> tuple[int, int]:
    """One request at `now` to the bucket whose TAT is `tat` (0: never used).

    Admitted: `(the new TAT, 0)`. Refused: `(tat, microseconds until it would be admitted)`; a
    refusal spends nothing."""
    new_tat = max(tat, now) + limit.emission
    wait = new_tat - limit.tolerance - now
    if wait > 0:
        return tat, wait
    return new_tat, 0
