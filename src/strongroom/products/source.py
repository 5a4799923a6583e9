"""Reading YAML (or JSON, a subset of it) into plain Python values while keeping every value's line.

Owns: `Document` (data plus a map from path to line), `read_document`, `format_path` and
`issues_from_pydantic` (turns a pydantic error into file/path/line issues). PyYAML's composer
gives each node a start mark; we build the values from the nodes ourselves only so that floats
stay exact (a YAML `0.10` becomes `Decimal('0.10')`, never a float) and duplicate keys are an
error instead of the last one silently winning. Must not import a database, ledger, api/ or cli/.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pydantic
import yaml

from strongroom.products.errors import DefinitionIssue, ProductDefinitionError

PathKey = tuple[str | int, ...]
_FLOAT_TAG = "tag:yaml.org,2002:float"
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


@dataclass(frozen=True, slots=True)
class Document:
    file: str
    data: Any
    #: 1-based line of the value (for mapping entries: of the key) at each path.
    lines: dict[PathKey, int]

    def line_of(self, path: PathKey) -> int | None:
        """The line of `path`, or of its nearest ancestor present in the file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def issue(self, path: PathKey, reason: str) -> DefinitionIssue:
        return DefinitionIssue(self.file, format_path(path), self.line_of(path), reason)


def format_path(path: Iterable[str | int]) -> str:
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else str(key)
    return out


def _value(node: yaml.Node, path: PathKey, doc: Document, issues: list[DefinitionIssue]) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _value(key_node, (*path, "<key>"), doc, issues)
            if not isinstance(key, str | int) or isinstance(key, bool):
                issues.append(doc.issue(path, f"mapping key {key!r} is not a string"))
                continue
            child = (*path, key)
            doc.lines[child] = key_node.start_mark.line + 1
            if key in out:
                issues.append(doc.issue(child, "duplicate key"))
                continue
            out[key] = _value(value_node, child, doc, issues)
        doc.lines.pop((*path, "<key>"), None)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_value(item, (*path, i), doc, issues) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    if node.tag == _FLOAT_TAG:
        try:
            number = Decimal(node.value.replace("_", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            issues.append(doc.issue(path, f"{node.value!r} is not a finite decimal number"))
            return None
        return number
    return _CONSTRUCTOR.construct_object(node, deep=True)


def read_document(text: str, file: str = "<string>") -> Document:
    """Parse `text`; a syntax error or duplicate key raises ProductDefinitionError."""
    doc = Document(file, None, {})
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = f"not valid YAML/JSON: {exc.problem or exc.context}"
        raise ProductDefinitionError([DefinitionIssue(file, "", line, reason)]) from None
    except yaml.YAMLError as exc:
        raise ProductDefinitionError([DefinitionIssue(file, "", None, str(exc))]) from None
    if node is None:
        raise ProductDefinitionError([DefinitionIssue(file, "", None, "the file is empty")])
    issues: list[DefinitionIssue] = []
    data = _value(node, (), doc, issues)
    if issues:
        raise ProductDefinitionError(issues)
    return Document(file, data, doc.lines)


def read_file(path: str | Path) -> Document:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProductDefinitionError(
            [DefinitionIssue(str(p), "", None, f"cannot read: {exc.strerror}")]
        ) from None
    return read_document(text, str(p))


def issues_from_pydantic(
    doc: Document, error: pydantic.ValidationError, prefix: PathKey = ()
) -> list[DefinitionIssue]:
    issues = []
    for item in error.errors(include_url=False):
        path = (*prefix, *item["loc"])
        reason = {"missing": "required field is missing", "extra_forbidden": "unknown field"}.get(
            item["type"], item["msg"]
        )
        issues.append(doc.issue(path, reason))
    return sorted(issues, key=lambda i: (i.line or 0, i.path))
