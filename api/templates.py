"""Server-rendered HTML with plain string templates: escaped values, no external assets.

Every value goes through :func:`esc`; markup is only ever built from escaped parts.

>>> esc('<script>"x"</script>')
'&lt;script&gt;&quot;x&quot;&lt;/script&gt;'
"""
from __future__ import annotations

from html import escape

STYLE = """
body{font-family:system-ui,sans-serif;max-width:64rem;margin:0 auto;padding:0 1rem;color:#1a1a1a;line-height:1.5}
header,footer{padding:.75rem 0;border-bottom:1px solid #ccc}footer{border-top:1px solid #ccc;border-bottom:0;margin-top:2rem;font-size:.9rem}
nav a{margin-right:1rem}a{color:#0b5394}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
textarea{width:100%;font-family:monospace}input[type=search]{width:60%;padding:.4rem}
.muted{color:#555;font-size:.9rem}.bar{fill:#0b5394}.point{fill:#c0392b}
.line{fill:none;stroke:#0b5394;stroke-width:2}.dot{fill:#0b5394}.axis{stroke:#888}.charts{display:flex;flex-wrap:wrap;gap:1rem}
:focus{outline:3px solid #f1c40f}
"""


def esc(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def link(href: str, text, **attrs) -> str:
    extra = "".join(f' {k.rstrip("_")}="{esc(v)}"' for k, v in attrs.items())
    return f'<a href="{esc(href)}"{extra}>{esc(text)}</a>'


def page(title: str, body: str, *, base: str = "", lang: str = "en") -> str:
    """A whole page around ``body`` (already markup)."""
    nav = "".join(link(f"{base}{path}", text) for path, text in (
        ("/", "Home"), ("/collectives", "Collectives"), ("/networks", "Networks"),
        ("/sparql", "SPARQL"), ("/stats/summary", "Statistics"), ("/dataset", "Dataset"),
        ("/publish", "Publish"), ("/docs", "API")))
    return (f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)} · Citizen collectives registry</title><style>{STYLE}</style></head>"
            f'<body><header><nav aria-label="main">{nav}</nav></header>'
            f'<main id="main"><h1>{esc(title)}</h1>{body}</main>'
            f'<footer>Registry of Dutch citizen collectives · data as linked data, '
            f'{link(base + "/sparql", "SPARQL")} · {link(base + "/dataset", "dataset description")}</footer>'
            f"</body></html>")


def table(headers: list[str], rows: list[list[str]], caption: str | None = None) -> str:
    """A table; cells are markup (escape them before)."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def bar_chart(items: list[tuple[str, float]], title: str, width: int = 480) -> str:
    """A horizontal bar chart as inline SVG, with a text alternative."""
    if not items:
        return ""
    top = max(v for _, v in items) or 1
    row_h, label_w = 22, 180
    bars = []
    for i, (label, value) in enumerate(items):
        w = (width - label_w - 60) * value / top
        y = i * row_h
        bars.append(f'<text x="0" y="{y + 15}" font-size="13">{esc(label[:28])}</text>'
                    f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="14"></rect>'
                    f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="13">{esc(f"{value:g}")}</text>')
    height = row_h * len(items) + 4
    return (f'<svg role="img" aria-label="{esc(title)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><title>{esc(title)}</title>{"".join(bars)}</svg>')


def point_map(points: list[tuple[float, float, str]], title: str, size: int = 360) -> str:
    """Points (lon, lat, label) as inline SVG, scaled to their own extent (no map tiles)."""
    if not points:
        return ""
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    min_lon, max_lon = min(lons) - 0.05, max(lons) + 0.05
    min_lat, max_lat = min(lats) - 0.05, max(lats) + 0.05
    dots = []
    for lon, lat, label in points:
        x = (lon - min_lon) / (max_lon - min_lon) * size
        y = (max_lat - lat) / (max_lat - min_lat) * size
        dots.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="5"><title>{esc(label)}</title></circle>')
    return (f'<svg role="img" aria-label="{esc(title)}" width="{size}" height="{size}" '
            f'viewBox="0 0 {size} {size}" style="border:1px solid #ccc"><title>{esc(title)}</title>'
            f'{"".join(dots)}</svg>')


def line_chart(points: list[tuple[str, float]], title: str, width: int = 320, height: int = 160) -> str:
    """A small line chart (dates as labels, in order) as inline SVG, labelled for screen readers.

    >>> line_chart([("2019", 1), ("2021", 3)], "Members").startswith('<svg role="img" aria-label="Members')
    True
    """
    if not points:
        return ""
    values = [v for _, v in points]
    low, high = min(0.0, min(values)), max(values)
    span = (high - low) or 1.0
    left, right, top, bottom = 48, 12, 12, 28
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / (len(points) - 1) if len(points) > 1 else 0
    coords = [(left + (i * step if len(points) > 1 else inner_w / 2), top + inner_h * (1 - (v - low) / span))
              for i, (_, v) in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{esc(label)}: {esc(f"{v:g}")}</title></circle>'
                   for (x, y), (label, v) in zip(coords, points))
    first, last = points[0][0], points[-1][0]
    axes = (f'<line class="axis" x1="{left}" y1="{top + inner_h}" x2="{width - right}" y2="{top + inner_h}"></line>'
            f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + inner_h}"></line>'
            f'<text x="{left - 4}" y="{top + 10}" font-size="11" text-anchor="end">{esc(f"{high:g}")}</text>'
            f'<text x="{left - 4}" y="{top + inner_h}" font-size="11" text-anchor="end">{esc(f"{low:g}")}</text>'
            f'<text x="{left}" y="{height - 8}" font-size="11">{esc(first[:10])}</text>'
            f'<text x="{width - right}" y="{height - 8}" font-size="11" text-anchor="end">{esc(last[:10])}</text>')
    summary = f"{title}: " + ", ".join(f"{label[:10]} {v:g}" for label, v in points[:12])
    return (f'<svg role="img" aria-label="{esc(summary)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><title>{esc(summary)}</title>{axes}'
            f'<polyline class="line" points="{path}"></polyline>{dots}</svg>')
