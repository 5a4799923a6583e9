"""The OpenAPI document at /openapi.json: FastAPI's, with the Problem schema the error responses
refer to, the intent bodies as one variant per intent type the server runs (its `type` and the
schema of its payload, from the type's msgspec Struct), and every integer bound written as the
exact integer the server checks.

FastAPI's OpenAPI model holds `minimum` and `maximum` as floats, so it wrote the amount maximum
2**63 - 1 as `9.223372036854776e+18`, a number (9223372036854776000) above what the server
accepts, and 0 as `0.0`. A double holds every integer up to 2**53 exactly, so those bounds are
turned back into integers; the few larger ones are restored from the constants they came from
(`LARGE_BOUNDS`), and a large bound that is not among them fails the document rather than being
published rounded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from fastapi import FastAPI

from strongroom.api.http.problems import Problem
from strongroom.ledger.queries import INT64_MAX
from strongroom.money import AMOUNT_MAX

#: The bounds above 2**53 the API's schemas state, by the double FastAPI's model makes of them.
LARGE_BOUNDS = {float(bound): bound for bound in (AMOUNT_MAX, INT64_MAX, -AMOUNT_MAX)}

_BOUND_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_EXACT_DOUBLES = 2**53


#: The bodies naming an intent type, by schema name.
_INTENT_TYPE_BODIES = ("SubmitIntent", "ScheduleIn")


def install(
    app: FastAPI, *, intent_types: Mapping[str, type[msgspec.Struct]] | None = None
) -> None:
    """Serve the document described above as `app.openapi()`, built once. `intent_types`: the
    registered intent types and their payloads (the registry is the deployment's, so the models
    cannot list them)."""
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = plain_openapi()
            _add_problem(document)
            _intent_types(document, intent_types or {})
            _exact_bounds(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_problem(document: dict[str, Any]) -> None:
    definitions = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    nested = definitions.pop("$defs", {})
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.update(nested)
    components["Problem"] = definitions


def _intent_types(document: dict[str, Any], types: Mapping[str, type[msgspec.Struct]]) -> None:
    """Each intent body becomes `oneOf` its variants, one per type: the `type` is that type's
    name and the `payload` its payload's schema."""
    schemas = document.get("components", {}).get("schemas", {})
    if not types:
        return
    payloads, components = msgspec.json.schema_components(
        list(types.values()), ref_template="#/components/schemas/{name}"
    )
    schemas.update(components)
    for body in _INTENT_TYPE_BODIES:
        if body not in schemas:
            continue
        generic = schemas[body]
        variants = []
        for name, payload in zip(types, payloads, strict=True):
            variant = {**generic, "properties": dict(generic["properties"])}
            variant["properties"]["type"] = {"type": "string", "enum": [name]}
            variant["properties"]["payload"] = payload
            variant["title"] = f"{generic.get('title', body)} ({name})"
            variants.append(variant)
        schemas[body] = {"oneOf": variants} if len(variants) > 1 else variants[0]


def _exact_bounds(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _exact_bounds(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _BOUND_KEYWORDS and isinstance(value, float):
                node[key] = _exact(value)
            else:
                _exact_bounds(value)


def _exact(bound: float) -> int | float:
    if not bound.is_integer():
        return bound
    if abs(bound) <= _EXACT_DOUBLES:
        return int(bound)
    if bound not in LARGE_BOUNDS:
        raise ValueError(f"a bound of {bound!r} would be published rounded: add it to LARGE_BOUNDS")
    return LARGE_BOUNDS[bound]
