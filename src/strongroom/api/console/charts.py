"""Charts drawn on the server as inline SVG: no script, no library, readable by a screen reader
(a title and a label saying in words what the line shows)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup


def line(
    points: Sequence[tuple[float, float]],
    summary: str,
    *,
    step: bool = False,
    width: int = 640,
    height: int = 160,
) -> Markup:
    """(x, y) points, x ascending, as a line scaled to the box with zero in the range of y (and
    drawn dashed); `step` holds each y until the next x (a balance between movements).
    `summary` is the chart's title and label. Empty for fewer than two points."""
    if len(points) < 2:
        return Markup("")
    x0, x1 = points[0][0], points[-1][0]
    ys = [y for _, y in points]
    low, high = min(*ys, 0), max(*ys, 0)
    span, rise = (x1 - x0) or 1, (high - low) or 1

    def x(at: float) -> str:
        return f"{(at - x0) / span * width:.1f}"

    def y(value: float) -> str:
        return f"{height - (value - low) / rise * height:.1f}"

    rest = points[1:]
    moves = (f"H{x(a)}V{y(b)}" for a, b in rest) if step else (f"L{x(a)},{y(b)}" for a, b in rest)
    path = f"M{x(x0)},{y(ys[0])}" + "".join(moves)
    # Markup.format escapes what it is given: nothing in the summary can inject markup.
    return Markup(
        '<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{summary}" '
        'preserveAspectRatio="none"><title>{summary}</title>'
        '<line x1="0" x2="{width}" y1="{zero}" y2="{zero}" stroke="#4a5562" '
        'stroke-dasharray="4 4" stroke-width="1"/>'
        '<path d="{path}" fill="none" stroke="#0b4f9c" stroke-width="2"/></svg>'
    ).format(width=width, height=height, summary=summary, zero=y(0), path=path)


def sparkline(points: Sequence[tuple[float, float]]) -> Markup:
    """Transfers per second against seconds before now, in a small box."""
    rates = [r for _, r in points]
    summary = (
        f"Transfers per second over the last minutes: from {min(rates, default=0):,.0f} "
        f"to {max(rates, default=0):,.0f}."
    )
    return line(points, summary, width=320, height=60)
