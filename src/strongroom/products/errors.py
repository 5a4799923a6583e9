"""Errors of the product factory: a bad product file, and a movement a limit refuses.

Owns: ProductDefinitionError (a ValidationError that names file, path and line) and
LimitExceeded (a Conflict naming the limit and its headroom) and VersionConflict (one version,
two contents). Imports only strongroom.errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from strongroom.errors import Conflict, ValidationError


@dataclass(frozen=True, slots=True)
class DefinitionIssue:
    """One reason a product file was rejected, located as precisely as the file allows."""

    file: str
    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path or '<document>'}: {self.reason}"


class ProductDefinitionError(ValidationError):
    """A product definition that cannot be accepted. Nothing was stored.

    `file`, `path` (e.g. `fees[2].percent`), `line` (1-based, None when the file has no such
    line, e.g. for a missing key the line of the enclosing mapping is used) and `reason` describe
    the first issue; `issues` holds every issue found, in file order.
    """

    code = "product_definition_error"

    def __init__(self, issues: list[DefinitionIssue]) -> None:
        if not issues:
            raise ValueError("ProductDefinitionError needs at least one issue")
        first = issues[0]
        super().__init__(first.path, first.reason)
        self.file = first.file
        self.path = first.path
        self.line = first.line
        self.issues = tuple(issues)
        extra = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        self.args = (f"{first}{extra}",)


class LimitExceeded(Conflict):
    """A movement refused by a product limit; says which limit and how much headroom remains."""

    code = "limit_exceeded"

    def __init__(self, limit_id: str, headroom: int, requested: int) -> None:
        super().__init__(f"limit {limit_id!r}: requested {requested}, headroom {headroom}")
        self.limit_id = limit_id
        self.headroom = headroom
        self.requested = requested


class VersionConflict(Conflict):
    """A product version published again with different content: versions are immutable."""

    code = "product_version_conflict"

    def __init__(self, product: str, version: int, published: str, offered: str) -> None:
        super().__init__(
            f"{product} version {version} is already published with different content "
            f"(sha256 {published[:12]}, offered {offered[:12]}); publish a new version instead"
        )
        self.product = product
        self.version = version
        self.published_digest = published
        self.offered_digest = offered
