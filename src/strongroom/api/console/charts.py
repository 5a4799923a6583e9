"""Charts drawn on the server as inline SVG: no script, no library, readable by a screen reader
(a title and a description giving the range in words)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup


def sparkline(
    points: Sequence[tuple[float, float]],
    *,
    label: str = "Transfers per second over the last minutes",
    width: int = 320,
    height: int = 60,
) -> Markup:
    """(x, y) points as a line scaled to the box, y up; empty for fewer than two points."""
    if len(points) < 2:
        return Markup("")
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    x0, x1 = min(xs), max(xs)
    top = max(ys) or 1.0
    span = (x1 - x0) or 1.0
    path = " ".join(
        f"{'M' if n == 0 else 'L'}{(x - x0) / span * width:.1f},{height - y / top * height:.1f}"
        for n, (x, y) in enumerate(points)
    )
    summary = f"{label}: from {min(ys):,.0f} to {max(ys):,.0f}."
    # Markup.format escapes what it is given: the label cannot inject markup.
    return Markup(
        '<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="{summary}" preserveAspectRatio="none"><title>{summary}</title>'
        '<path d="{path}" fill="none" stroke="#0b4f9c" stroke-width="2"/></svg>'
    ).format(width=width, height=height, summary=summary, path=path)
