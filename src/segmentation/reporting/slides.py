"""The same content as the report, one idea per slide (python-pptx, 16:9)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from pptx import Presentation
from pptx.util import Emu, Inches, Pt

from segmentation.common.catalog import atomic_path
from segmentation.reporting import maintenance_text, value_text
from segmentation.reporting.health_section import health_slides
from segmentation.reporting.report_html import glossary

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)
#: one font everywhere: Arial is on every PowerPoint machine and LibreOffice renders it with its
#: metric twin (Liberation Sans), so text takes the same room in both
FONT = "Arial"
#: how FONT fills a line: average character width (0.44 em measured on the deck's sentences, 0.47
#: in bold, plus a margin for word wrapping) and line height in ems; used to pick a font size at
#: which text fits its box
CHAR_EM, LINE_EM = 0.52, 1.25
SPACE_AFTER = 8     # points between bullets
MIN_SIZE = 12       # never smaller: a longer text goes on to a second slide
#: the title slide lists these header rows (the MLflow run id is left out: a new run on every
#: forced rebuild would change the deck's bytes; the HTML report carries it)
TITLE_ROWS = ("Report date", "Data period", "Data source", "Rows", "Code")


def text_height(lines: list[str], width: int, size: float) -> float:
    """Estimated height (EMU) of `lines` as bullets at `size` points in a box `width` EMU wide."""
    per_line = max(1, int((width - Inches(0.2)) / Pt(size * CHAR_EM)))
    rows = sum(max(1, -(-(len(line) + 2) // per_line)) for line in lines)
    return Pt(rows * size * LINE_EM + len(lines) * SPACE_AFTER) + Inches(0.1)


def fitted_size(lines: list[str], width: int, height: int, size: float) -> float | None:
    """The largest font size from `size` down to MIN_SIZE at which the bullets fit, or None."""
    return next((s for s in range(int(size), MIN_SIZE - 1, -1) if text_height(lines, width, s) <= height), None)


def _title(slide, text: str) -> None:
    box = slide.shapes.add_textbox(Inches(0.5), Inches(0.3), WIDTH - Inches(1), Inches(0.9))
    box.text_frame.word_wrap = True
    paragraph = box.text_frame.paragraphs[0]
    paragraph.text = text
    one_line = fitted_size([text], WIDTH - Inches(1), Inches(0.9), 30)
    paragraph.font.size, paragraph.font.bold, paragraph.font.name = Pt(one_line or 22), True, FONT


def _bullets(slide, lines: list[str], top=Inches(1.4), left=MARGIN, width=None, size=20, bottom=Inches(0.4)) -> None:
    """Bullets at the largest size (<= `size`) at which they fit above `bottom`."""
    lines = [line for line in lines if line]
    width, height = width or WIDTH - 2 * left, HEIGHT - top - bottom
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    fitted = fitted_size(lines, width, height, size) or MIN_SIZE
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = f"\u2022 {line}"
        paragraph.font.size, paragraph.font.name = Pt(fitted), FONT
        paragraph.space_after = Pt(SPACE_AFTER)


def pages(lines: list[str], size: float = 20, top=Inches(1.4)) -> list[list[str]]:
    """The bullets split over as few slides as needed for each to fit at MIN_SIZE or more."""
    width, height = WIDTH - 2 * MARGIN, HEIGHT - top - Inches(0.4)
    chunks: list[list[str]] = [[]]
    for line in lines:
        if chunks[-1] and fitted_size(chunks[-1] + [line], width, height, size) is None:
            chunks.append([])
        chunks[-1].append(line)
    return chunks


def _picture(slide, png: bytes, top=Inches(1.3), max_height=None) -> None:
    from PIL import Image

    width_px, height_px = Image.open(io.BytesIO(png)).size
    max_w, max_h = WIDTH - Inches(1), max_height or (HEIGHT - top - Inches(0.3))
    scale = min(max_w / width_px, max_h / height_px)
    width, height = Emu(int(width_px * scale)), Emu(int(height_px * scale))
    slide.shapes.add_picture(io.BytesIO(png), int((WIDTH - width) / 2), top, width, height)


def _figure(slide, png: bytes, note: str = "") -> None:
    """A figure filling the slide, with its one-sentence reading under it when there is one."""
    if not note:
        _picture(slide, png)
        return
    _picture(slide, png, max_height=HEIGHT - Inches(1.3) - Inches(1.2))
    _bullets(slide, [note], top=HEIGHT - Inches(1.1), size=18, bottom=Inches(0.15))


def build_deck(context: Mapping, pngs: Mapping[str, bytes], target: Path) -> int:
    """Write the deck; return the number of slides."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    blank = deck.slide_layouts[6]

    def slide(title: str):
        new = deck.slides.add_slide(blank)
        _title(new, title)
        return new

    def text_slides(title: str, lines: list[str], size: float = 20) -> None:
        chunks = pages(lines, size)
        for i, chunk in enumerate(chunks):
            _bullets(slide(title if len(chunks) == 1 else f"{title} ({i + 1}/{len(chunks)})"), chunk, size=size)

    first = slide(context["title"])
    rows = [f"{label}: {text}" for label, text in context.get("header") or [] if label in TITLE_ROWS]
    _bullets(first, [context["subtitle"], *rows], top=Inches(2.0), size=22)
    text_slides("Executive summary", context["summary"])
    if context.get("data_note"):
        text_slides("Data available", context["data_note"], size=18)
    notes = context.get("figure_notes") or {}
    for key, caption in [(key, caption) for key, caption in context["eda_figures"] if key in pngs]:
        _figure(slide(caption), pngs[key], notes.get(key, ""))
    cards: pd.DataFrame = context["cards"]
    text_slides(f"{len(cards)} customer segments",
                [f"{c['name']}: {c['customers']:,} customers ({100 * c['share_of_customers']:.0f}%), "
                 f"{100 * c['share_of_revenue']:.0f}% of revenue" for _, c in cards.iterrows()])
    _figure(slide("Segment profiles"), pngs["radar"])
    for _, card in cards.iterrows():
        text_slides(card["name"], [f"{card['customers']:,} customers, {100 * card['share_of_revenue']:.0f}% of revenue",
                                   card["traits"], *(card.get("tastes") or []),
                                   *[f"Action: {a}" for a in card["actions"]]])
    _figure(slide("Map of customers"), pngs["map"])
    _figure(slide("How segments differ from the average customer"), pngs["snake"])
    if "heatmap" in pngs:
        _figure(slide("What stands out in each segment"), pngs["heatmap"])
    value_slides(context.get("value"), pngs, slide, text_slides, context.get("currency"))
    if context.get("stability"):
        stability = context["stability"]
        plan = slide(f"Maintenance plan: {maintenance_text.VERDICT_TITLES[stability['verdict']].lower()}")
        _picture(plan, pngs["stability_curve"], top=Inches(1.1), max_height=Inches(4.25))
        replayed = (context.get("health") or {}).get("recommendation")
        _bullets(plan, [*maintenance_text.plan_lines(stability, replayed), maintenance_text.band_sentence(stability)],
                 top=Inches(5.5), size=16, bottom=Inches(0.15))
        text_slides("Maintenance plan: why", [maintenance_text.scope(stability), *maintenance_text.details(stability),
                                              *[f"Data check: {w}" for w in maintenance_text.warnings(stability)]],
                    size=18)
    health_slides(context.get("health"), pngs, slide, text_slides, _figure)
    text_slides("Method", list(context["method"]), size=18)
    text_slides("Glossary", [f"{k}: {v}" for k, v in glossary(context.get("currency")).items()], size=16)
    with atomic_path(target) as tmp:
        tmp.write_bytes(_deterministic(deck))
    return len(deck.slides)


def value_slides(value: Mapping | None, pngs: Mapping[str, bytes], slide, text_slides, currency: str | None) -> None:
    """Value and movement: the forecast with its check, the plan, the movement, RFM beside clusters."""
    if value is None:
        return
    title = value_text.STATUS_TITLES[value["status"]]
    if "value_expected_revenue" in pngs:
        page = slide(f"Value: {title.lower()}")
        _picture(page, pngs["value_expected_revenue"], top=Inches(1.2), max_height=Inches(4.4))
        _bullets(page, [value_text.headline(value, currency)], top=Inches(5.7), size=15, bottom=Inches(0.15))
        _figure(slide("Value: the forecast checked on the past"), pngs["value_holdout"],
                value_text.check_sentence(value, currency))
    else:
        text_slides(f"Value: {title.lower()}", [value_text.headline(value, currency)])
    text_slides("Value: growth plan", [value_text.plan_intro(value, currency), *value_text.plan_lines(value)], size=16)
    if "value_movement" in pngs:
        _figure(slide("Who moved between segments"), pngs["value_movement"], " ".join(value_text.movement_lines(value)))
    text_slides("Classic RFM segments beside the clusters", [value_text.rfm_sentence(value), *value_text.rfm_lines(value)],
                size=18)


def _deterministic(deck) -> bytes:
    """The deck's bytes with fixed dates (document properties and zip entries), so the same
    content gives the same file and DVC does not see a change."""
    import datetime
    import zipfile

    fixed = datetime.datetime(2000, 1, 1)
    props = deck.core_properties
    props.created = props.modified = props.last_printed = fixed
    props.revision = 1
    buffer = io.BytesIO()
    deck.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            rewritten.writestr(info, source.read(item.filename))
    return out.getvalue()
