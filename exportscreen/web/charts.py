"""Charts of each list over time, drawn on the server as SVG with pygal.

Each chart is an SVG document of its own, shown with ``<img>``: an image runs no script and
loads nothing, so the pages' strict content security policy stays as it is (no inline style,
no script, no CDN). pygal's interactive tooltips are off (``js=[]``); every figure is also
printed in a table beside the chart, for screen readers and for exact numbers.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pygal
from pygal.style import Style

from exportscreen.lists import LIST_NAMES
from exportscreen.model import ListCode
from exportscreen.store import StoredVersion

# Colours with at least 4.5:1 contrast on white, told apart by more than hue (the legend and
# the table name each series).
_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f1f1f",
    foreground_strong="#1f1f1f",
    foreground_subtle="#595959",
    opacity=".85",
    opacity_hover="1",
    colors=("#1a4f8b", "#a4000f", "#8a5300", "#1b5e20"),
    font_family="DejaVu Sans, Arial, sans-serif",
    title_font_size=15,
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
)


@dataclass(frozen=True, slots=True)
class VersionPoint:
    """One version of a list, as charted."""

    version_id: int
    as_of: date
    entries: int
    added: int | None  # against the version in force before it; None for the first one
    removed: int | None
    changed: int | None


def points(versions: Sequence[StoredVersion]) -> list[VersionPoint]:
    """The versions in force over time (accepted ones, by data date)."""
    found: list[VersionPoint] = []
    for position, v in enumerate(versions):
        first = position == 0

        def count(key: str, v: StoredVersion = v, first: bool = first) -> int | None:
            return None if first or key not in v.counts else int(v.counts[key])

        found.append(
            VersionPoint(
                v.id, v.as_of, v.entry_count, count("added"), count("removed"), count("changed")
            )
        )
    return found


_SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


def _without_script(drawn: Any) -> bytes:
    """pygal writes its configuration as an inline ``<script>`` even without its JavaScript;
    an image runs none, but a chart opened on its own would, and it is not needed: dropped."""
    root = ET.fromstring(drawn)
    for parent in root.iter():
        for child in list(parent):
            if child.tag == f"{{{_SVG}}}script":
                parent.remove(child)
    cleaned: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return cleaned


def _chart_options(title: str) -> dict[str, object]:
    return {
        "title": title,
        "style": _STYLE,
        "js": [],  # no script: the SVG is an image
        "width": 640,
        "height": 320,
        "explicit_size": True,
        "x_label_rotation": 30,
        "legend_at_bottom": True,
        "show_minor_x_labels": True,
        "truncate_label": 12,
        "no_data_text": "only one version",
    }


def size_chart(code: ListCode, series: Sequence[VersionPoint]) -> bytes:
    """Entries in force per version, by data date."""
    chart = pygal.Line(**_chart_options(f"{code.value}: entries per version"))
    chart.x_labels = [p.as_of.isoformat() for p in series]
    chart.add(LIST_NAMES[code], [p.entries for p in series])
    return _without_script(chart.render())


def churn_chart(code: ListCode, series: Sequence[VersionPoint]) -> bytes:
    """Additions, removals and changes of each version against the one before it."""
    later = [p for p in series if p.added is not None]
    chart = pygal.Bar(**_chart_options(f"{code.value}: added, removed, changed per version"))
    chart.x_labels = [p.as_of.isoformat() for p in later]
    chart.add("added", [p.added for p in later])
    chart.add("removed", [p.removed for p in later])
    chart.add("changed", [p.changed for p in later])
    return _without_script(chart.render())
