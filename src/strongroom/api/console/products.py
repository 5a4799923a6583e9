"""The console's product pages: the catalogue (every product and its published versions), a
product's versions, and the difference between two of them, line by line over their
definitions written as YAML.

The catalogue is the platform's, the same for every tenant, and versions are immutable: any
signed-in key may read it (publishing is the CLI's, `strongroom products publish`)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Annotated, Literal

import yaml
from fastapi import APIRouter, Query, Request, Response

from strongroom.api.console.rendering import page
from strongroom.api.console.routing import Console, ConsoleRoute, Staff
from strongroom.errors import NotFound, ValidationError
from strongroom.products.definitions import ProductDefinition

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

#: Unchanged lines shown around each change.
CONTEXT = 3


@dataclass(frozen=True, slots=True)
class DiffLine:
    #: A line of the older version only, of the newer only, of both, or a hunk's position.
    kind: Literal["removed", "added", "same", "hunk"]
    #: The line as unified diff writes it: `-`, `+` or a space first, so that the change reads
    #: in text as well as in colour.
    text: str


def as_yaml(definition: ProductDefinition) -> str:
    """The definition as stored (canonical JSON, sorted keys, exact decimals) written as YAML,
    one field a line: what a diff can point into."""
    return yaml.safe_dump(
        json.loads(definition.canonical), sort_keys=True, allow_unicode=True, width=100
    )


def diff(older: ProductDefinition, newer: ProductDefinition) -> list[DiffLine]:
    """The unified diff of `older` and `newer` as YAML, without its file header."""
    lines = difflib.unified_diff(
        as_yaml(older).splitlines(),
        as_yaml(newer).splitlines(),
        lineterm="",
        n=CONTEXT,
    )
    return list(_classified(lines))


def _classified(lines: Iterator[str]) -> Iterator[DiffLine]:
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            yield DiffLine("hunk", line)
        elif line.startswith("-"):
            yield DiffLine("removed", line)
        elif line.startswith("+"):
            yield DiffLine("added", line)
        else:
            yield DiffLine("same", line)


@router.get("/console/products")
async def products(request: Request, console: Console, staff: Staff) -> Response:
    catalog = console.products
    published = await catalog.published()
    listing = []
    # `published` is ordered by product, then version: each group's last is the newest.
    for product, group in groupby(published, key=lambda p: p.product):
        versions = list(group)
        newest = await catalog.get(product, versions[-1].version)
        listing.append((newest, versions))
    return page(request, "products.html", listing=listing)


@router.get("/console/products/{product}")
async def product(
    request: Request,
    console: Console,
    staff: Staff,
    product: str,
    older: Annotated[int | None, Query(alias="from", ge=1)] = None,
    newer: Annotated[int | None, Query(alias="to", ge=1)] = None,
) -> Response:
    catalog = console.products
    versions = await catalog.published(product)
    if not versions:
        raise NotFound(f"no product {product!r} has been published")
    changes: list[DiffLine] | None = None
    if older is not None or newer is not None:
        if older is None or newer is None:
            missing = "from" if older is None else "to"
            raise ValidationError(missing, "a diff needs both versions, from and to")
        changes = diff(await catalog.get(product, older), await catalog.get(product, newer))
    newest = await catalog.get(product, versions[-1].version)
    return page(
        request,
        "product.html",
        product=product,
        versions=versions,
        newest=newest,
        newest_yaml=as_yaml(newest) if changes is None else None,
        older=older,
        newer=newer,
        changes=changes,
        added=sum(1 for c in changes or () if c.kind == "added"),
        removed=sum(1 for c in changes or () if c.kind == "removed"),
    )
