"""The same content as the report, one idea per slide (python-pptx, 16:9)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from pptx import Presentation
from pptx.util import Emu, Inches, Pt

from segmentation.catalog import atomic_path
from segmentation.reporting import maintenance_text
from segmentation.reporting.report_html import glossary

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)


def _title(slide, text: str) -> None:
    box = slide.shapes.add_textbox(Inches(0.5), Inches(0.3), WIDTH - Inches(1), Inches(0.9))
    paragraph = box.text_frame.paragraphs[0]
    paragraph.text = text
    paragraph.font.size, paragraph.font.bold = Pt(30), True


def _bullets(slide, lines: list[str], top=Inches(1.4), left=Inches(0.6), width=None, size=20) -> None:
    box = slide.shapes.add_textbox(left, top, width or WIDTH - Inches(1.2), HEIGHT - top - Inches(0.4))
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = f"\u2022 {line}"
        paragraph.font.size = Pt(size)
        paragraph.space_after = Pt(10)


def _picture(slide, png: bytes, top=Inches(1.3), max_height=None) -> None:
    from PIL import Image

    width_px, height_px = Image.open(io.BytesIO(png)).size
    max_w, max_h = WIDTH - Inches(1), max_height or (HEIGHT - top - Inches(0.3))
    scale = min(max_w / width_px, max_h / height_px)
    width, height = Emu(int(width_px * scale)), Emu(int(height_px * scale))
    slide.shapes.add_picture(io.BytesIO(png), int((WIDTH - width) / 2), top, width, height)


def build_deck(context: Mapping, pngs: Mapping[str, bytes], target: Path) -> int:
    """Write the deck; return the number of slides."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    blank = deck.slide_layouts[6]

    def slide(title: str):
        new = deck.slides.add_slide(blank)
        _title(new, title)
        return new

    first = slide(context["title"])
    _bullets(first, [context["subtitle"]], top=Inches(2.5), size=22)
    _bullets(slide("Executive summary"), context["summary"])
    if context.get("data_note"):
        _bullets(slide("Data available"), context["data_note"], size=18)
    for key, caption in [(key, caption) for key, caption in context["eda_figures"] if key in pngs][:4]:
        _picture(slide(caption), pngs[key])
    cards: pd.DataFrame = context["cards"]
    overview = slide(f"{len(cards)} customer segments")
    _bullets(overview, [f"{c['name']}: {c['customers']:,} customers ({100 * c['share_of_customers']:.0f}%), "
                        f"{100 * c['share_of_revenue']:.0f}% of revenue" for _, c in cards.iterrows()])
    _picture(slide("Segment profiles"), pngs["radar"])
    for _, card in cards.iterrows():
        one = slide(card["name"])
        _bullets(one, [f"{card['customers']:,} customers, {100 * card['share_of_revenue']:.0f}% of revenue",
                       card["traits"], *[f"Action: {a}" for a in card["actions"]]])
    _picture(slide("Map of customers"), pngs["map"])
    _picture(slide("How segments differ from the average customer"), pngs["snake"])
    if context.get("stability"):
        stability = context["stability"]
        plan = slide(f"Maintenance plan: {maintenance_text.VERDICT_TITLES[stability['verdict']].lower()}")
        _picture(plan, pngs["stability_curve"], top=Inches(1.2), max_height=Inches(4.4))
        _bullets(plan, [stability["headline"], maintenance_text.band_sentence(stability)], top=Inches(5.7), size=13)
        _bullets(slide("Maintenance plan: why"), [maintenance_text.scope(stability), *maintenance_text.details(stability),
                                                 *[f"Data check: {w}" for w in maintenance_text.warnings(stability)]],
                 size=14)
    _bullets(slide("Method"), [context["method"]], size=14)
    _bullets(slide("Glossary"), [f"{k}: {v}" for k, v in glossary(context.get("currency")).items()], size=14)
    with atomic_path(target) as tmp:
        tmp.write_bytes(_deterministic(deck))
    return len(deck.slides)


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
