from __future__ import annotations

import ast
from pathlib import Path

import strongroom.products

PACKAGE = Path(strongroom.products.__file__).resolve().parent
#: The domain reaches the database only through its ports (ports.py), never the store itself.
FORBIDDEN = (
    "strongroom.api",
    "strongroom.cli",
    "strongroom.services",
    "strongroom.store",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
)
#: Modules that must stay pure: no ledger either, so they run (and are benchmarked) anywhere.
PURE = {
    "bench", "daycount", "definitions", "errors", "events", "fees", "interest", "limits",
    "ports", "quote", "rounding", "schema", "simulate", "source", "taxes", "tiers", "versions",
    "businessdate",
}  # fmt: skip


def test_public_surface_is_deliberate() -> None:
    exported = strongroom.products.__all__
    assert exported == sorted(exported)
    assert all(hasattr(strongroom.products, name) for name in exported)
    assert {"quote", "load_product", "post_quote", "AccrualJob", "ProductCatalog"} <= set(exported)


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_layering() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) > 15
    for module in modules:
        imported = imports_of(module)
        assert not any(name.startswith(FORBIDDEN) for name in imported), module.name
        if module.stem in PURE:
            assert not any(name.startswith("strongroom.ledger") for name in imported), module.name
