"""The report's "Segment health" section and slides: the monitor's last check and the refresh
policy its replay recommends (the words come from `health_text`)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from segmentation.common.catalog import Catalog, read_json
from segmentation.reporting import health_text
from segmentation.reporting.html_parts import figure as _img

FIGURES = {"health_curve": "health.png", "health_policies": "policies.png"}
CAPTIONS = {"health_curve": "Agreement of the deployed segments with a fresh fit, month by month, against the noise band",
            "health_policies": "Refresh policies replayed: refreshes (bars) and the worst share of mislabelled customers"}


def read(catalog: Catalog) -> dict | None:
    """The monitor's files, or None when the monitor has not run."""
    out = catalog.monitor_output
    if not out("latest.json").is_file():
        return None
    table = lambda name: pd.read_csv(out(name)) if out(name).is_file() else None  # noqa: E731
    return {"latest": read_json(out("latest.json")), "track": table("replay.csv"), "policies": table("policies.csv"),
            "recommendation": read_json(out("recommendation.json")) if out("recommendation.json").is_file() else None}


def figures(catalog: Catalog) -> dict[str, Path]:
    """The monitor's figures that exist, keyed as the report names them."""
    found = {key: catalog.monitor_output(name) for key, name in FIGURES.items()}
    return {key: path for key, path in found.items() if path.is_file()}


def lines(health: Mapping) -> tuple[str, list[str], list[str]]:
    """(callout, lines of the last check, lines of the replay)."""
    head, latest = health_text.latest_lines(health["latest"])
    track = health["track"] if health["track"] is not None else pd.DataFrame()
    replayed = [health_text.track_sentence(track), *health_text.policy_lines(health["recommendation"], health["policies"])]
    return head, latest, [line for line in replayed if line]


def health_html(health: Mapping | None, images: Mapping[str, str]) -> str:
    if not health:
        return "<p>The monitor has not run for this segmentation (`python -m segmentation.monitor`).</p>"
    esc = html.escape
    head, latest, replayed = lines(health)
    return (f"<p class='callout'><b>{esc(head)}</b></p>" + "".join(f"<p>{esc(line)}</p>" for line in latest)
            + "".join(f"<p>{esc(line)}</p>" for line in replayed)
            + "".join(_img(images[key], CAPTIONS[key]) for key in FIGURES if key in images))


def health_slides(health: Mapping | None, pngs: Mapping[str, bytes], slide, text_slides, figure) -> None:
    if not health:
        return
    head, latest, replayed = lines(health)
    text_slides("Segment health", [head, *latest, *replayed], 16)
    for key in FIGURES:
        if key in pngs:
            figure(slide(CAPTIONS[key].split(":")[0]), pngs[key])
