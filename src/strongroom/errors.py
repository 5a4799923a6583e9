"""The one error hierarchy. Every failure a caller can act on is a subclass of StrongroomError.

Per-item outcomes of ledger batches are result codes, not exceptions (see strongroom.ledger);
exceptions here are for input that cannot be evaluated at all, and for infrastructure faults.
"""

from __future__ import annotations

import math


class StrongroomError(Exception):
    """Base of every error Strongroom raises on purpose."""

    #: Stable machine-readable identifier (used as the RFC 9457 `type` suffix by the API).
    code = "error"


class ValidationError(StrongroomError, ValueError):
    """Input that cannot be accepted; names the offending field. Nothing was written."""

    code = "validation_error"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def field_errors(self) -> list[tuple[str, str]]:
        """Every (field, reason) this error stands for: one, unless a subclass found several."""
        return [(self.field, self.reason)]


class BatchTooLarge(ValidationError):
    """A batch longer than the documented maximum. Nothing was written."""

    code = "batch_too_large"

    def __init__(self, size: int, maximum: int) -> None:
        super().__init__("batch", f"{size} items exceed the maximum of {maximum}")
        self.size = size
        self.maximum = maximum


class Unauthenticated(StrongroomError):
    """No API key, a malformed one, an unknown one, or a revoked one."""

    code = "unauthenticated"


class PermissionDenied(StrongroomError):
    """A valid key whose role does not allow the operation."""

    code = "permission_denied"


class RateLimited(StrongroomError):
    """A caller over its rate limit, its API key's or its tenant's. Nothing was done: the same
    request may be sent again after `retry_after` seconds."""

    code = "rate_limited"

    def __init__(self, scope: str, retry_after: float) -> None:
        # Whole seconds, rounded up, as HTTP's Retry-After says them: retrying sooner is refused.
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"the rate limit of this {scope} is spent; retry in {self.retry_after} s")
        self.scope = scope


class NotFound(StrongroomError, LookupError):
    """The addressed entity does not exist (or is not visible to the caller)."""

    code = "not_found"


class Conflict(StrongroomError):
    """The request contradicts the current state (e.g. closing an account that holds money)."""

    code = "conflict"


class ConfigurationError(StrongroomError):
    """Settings that cannot work: an unknown URL scheme, a missing key file, and the like."""

    code = "configuration_error"


class StorageError(StrongroomError):
    """The database failed in a way retries inside Strongroom could not absorb."""

    code = "storage_error"
