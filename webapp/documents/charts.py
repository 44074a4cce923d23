"""Charts drawn by the app: inline SVG made on the server, no script and no external service.

The bars are SVG; the words (axis labels, legends) are HTML around it, so they stay readable at any width
while the SVG stretches. Each chart carries its numbers as a visually hidden table for screen readers; the
SVG itself is hidden from them. Colours come from the stylesheet (classes), so dark mode follows.
"""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

BAR_SLOT = 10  # user units per bar in the column chart's viewBox; the bar takes 80% of its slot
HEIGHT = 100


def column_chart(points: Sequence[tuple[str, float | None]], *, caption: str, value_text, css: str = "") -> SafeString:
    """Vertical bars, one per point (label, value); None is "no data" (no bar). `value_text(value)` formats
    a value for the axis, the tooltips and the table."""
    values = [v for _, v in points if v is not None]
    top = max(values, default=0) or 1
    bars = format_html_join("", '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>', (
        (i * BAR_SLOT + 1, f"{HEIGHT - _height(v, top):.2f}", BAR_SLOT - 2, f"{_height(v, top):.2f}", label, value_text(v))
        for i, (label, v) in enumerate(points) if v
    ))
    width = max(len(points), 1) * BAR_SLOT
    svg = format_html(
        '<svg class="chart-svg" viewBox="0 0 {} {}" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
        '<line class="grid" x1="0" y1="{}" x2="{}" y2="{}" vector-effect="non-scaling-stroke"/>'
        '<line class="axis" x1="0" y1="{}" x2="{}" y2="{}" vector-effect="non-scaling-stroke"/>{}</svg>',
        width, HEIGHT, 0.5, width, 0.5, HEIGHT - 0.5, width, HEIGHT - 0.5, bars,
    )
    labels = [label for label, _ in points]
    x_axis = format_html_join("", "<span>{}</span>", ((label,) for label in _ends(labels)))
    return format_html(
        '<figure class="chart column-chart {}"><figcaption>{}</figcaption>'
        '<div class="chart-body"><div class="chart-y" aria-hidden="true"><span>{}</span><span>{}</span></div>{}</div>'
        '<div class="chart-x" aria-hidden="true">{}</div>{}</figure>',
        css, caption, value_text(max(values, default=0)), value_text(0), svg, x_axis,
        _table(caption, [(label, value_text(v) if v is not None else "–") for label, v in points]),
    )


def bar_list(items: Sequence[tuple[str, int, str]], *, caption: str, value_text=str) -> SafeString:
    """Horizontal bars, one row per item (label, value, css class), longest = largest."""
    top = max((v for _, v, _ in items), default=0) or 1
    rows = format_html_join("", (
        '<li class="{}"><span class="bar-label">{}</span>'
        '<svg class="bar-track" width="100%" height="12" aria-hidden="true" focusable="false">'
        '<rect class="track" width="100%" height="12" rx="3"/><rect class="bar" width="{}%" height="12" rx="3"/></svg>'
        '<span class="bar-value">{}</span></li>'
    ), ((css, label, f"{100 * v / top:.2f}", value_text(v)) for label, v, css in items))
    return format_html(
        '<figure class="chart bar-list"><figcaption>{}</figcaption><ul aria-hidden="true">{}</ul>{}</figure>',
        caption, rows, _table(caption, [(label, value_text(v)) for label, v, _ in items]),
    )


def share_bar(parts: Sequence[tuple[str, int, str]], *, caption: str, empty_text: str) -> SafeString:
    """One bar split into parts (label, value, css class) by their share of the total, with a legend."""
    total = sum(v for _, v, _ in parts)
    if not total:
        return format_html('<figure class="chart share-bar"><figcaption>{}</figcaption><p class="chart-empty">{}</p></figure>',
                           caption, empty_text)
    x, pieces = 0.0, []
    for label, value, css in parts:
        share = 100 * value / total
        pieces.append((css, f"{x:.2f}", f"{share:.2f}", label, _percent(value, total)))
        x += share
    svg = format_html(
        '<svg class="share-svg" width="100%" height="18" aria-hidden="true" focusable="false">{}</svg>',
        format_html_join("", '<rect class="{}" x="{}%" width="{}%" height="18"><title>{}: {}</title></rect>', pieces),
    )
    legend = format_html_join("", '<li class="{}"><span class="swatch"></span>{} <strong>{}</strong> ({})</li>', (
        (css, label, value, _percent(value, total)) for label, value, css in parts
    ))
    return format_html(
        '<figure class="chart share-bar"><figcaption>{}</figcaption>{}<ul class="legend">{}</ul></figure>',
        caption, svg, legend,
    )


def line_chart(series: Sequence[tuple[str, str, Sequence[tuple[float, float | None]]]], *, caption: str,
               x_label: str, value_text, x_text, marker: tuple[float, str] | None = None) -> SafeString:
    """Lines of rates (0-1) over x, one per series (label, css class, points (x, value or None)), with an optional
    vertical marker (x, label) such as the threshold in use. `x_text(x)` and `value_text(value)` format the axes,
    the legend and the table."""
    xs = sorted({x for _, _, points in series for x, _ in points})
    low, high = (xs[0], xs[-1]) if xs else (0.0, 1.0)
    span = (high - low) or 1.0

    def at(x: float) -> float:
        return 100 * (x - low) / span

    lines = format_html_join("", '<polyline class="line {}" points="{}" fill="none" vector-effect="non-scaling-stroke"/>', (
        (css, " ".join(f"{at(x):.2f},{HEIGHT - HEIGHT * v:.2f}" for x, v in points if v is not None))
        for _, css, points in series
    ))
    mark = format_html(
        '<line class="marker" x1="{0}" y1="0" x2="{0}" y2="{1}" vector-effect="non-scaling-stroke"/>',
        f"{at(min(max(marker[0], low), high)):.2f}", HEIGHT,
    ) if marker else ""
    svg = format_html(
        '<svg class="chart-svg line-svg" viewBox="0 0 100 {}" preserveAspectRatio="none" aria-hidden="true" '
        'focusable="false">'
        '<line class="grid" x1="0" y1="{}" x2="100" y2="{}" vector-effect="non-scaling-stroke"/>'
        '<line class="axis" x1="0" y1="{}" x2="100" y2="{}" vector-effect="non-scaling-stroke"/>{}{}</svg>',
        HEIGHT, HEIGHT / 2, HEIGHT / 2, HEIGHT - 0.5, HEIGHT - 0.5, lines, mark,
    )
    legend = format_html_join("", '<li class="{}"><span class="swatch"></span>{}</li>',
                              ((css, label) for label, css, _ in series))
    if marker:
        legend = format_html('{}<li class="marker"><span class="swatch"></span>{}</li>', legend, marker[1])
    by_x = {x: [] for x in xs}
    for label, _, points in series:
        for x, v in points:
            by_x[x].append(f"{label} {value_text(v) if v is not None else '–'}")
    return format_html(
        '<figure class="chart line-chart"><figcaption>{}</figcaption>'
        '<div class="chart-body"><div class="chart-y" aria-hidden="true">'
        '<span>{}</span><span>{}</span><span>{}</span></div>{}</div>'
        '<div class="chart-x" aria-hidden="true"><span>{}</span><span>{}</span><span>{}</span></div>'
        '<ul class="legend">{}</ul>{}</figure>',
        caption, value_text(1), value_text(0.5), value_text(0), svg, x_text(low), x_label, x_text(high), legend,
        _table(caption, [(f"{x_label} {x_text(x)}", "; ".join(values)) for x, values in by_x.items()]),
    )


def _height(value: float, top: float) -> float:
    return max(HEIGHT * value / top, 1.0) if value else 0.0


def _percent(value: int, total: int) -> str:
    return f"{round(100 * value / total)}%"


def _ends(labels: list[str]) -> list[str]:
    """The first, middle and last labels: enough to read a time axis without crowding a phone."""
    if len(labels) <= 3:
        return labels
    return [labels[0], labels[len(labels) // 2], labels[-1]]


def _table(caption: str, rows: list[tuple[str, str]]) -> SafeString:
    body = format_html_join("", "<tr><th scope=\"row\">{}</th><td>{}</td></tr>", rows)
    # The wrapper hides it: a table itself cannot be narrower than its content, and would widen the page.
    return format_html('<div class="visually-hidden"><table><caption>{}</caption>{}</table></div>', caption,
                       body or mark_safe(""))
