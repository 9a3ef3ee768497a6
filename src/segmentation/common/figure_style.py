"""One look for every figure, and atomic PNG writes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from segmentation.common.catalog import atomic_path  # noqa: E402

BLUE, ORANGE, GREY, GREEN, RED, PURPLE = "#2f6690", "#f28e2b", "#8c8c8c", "#59a14f", "#e15759", "#b07aa1"
PALETTE = [BLUE, ORANGE, GREEN, RED, PURPLE, "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac"]


def style() -> None:
    plt.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 110, "font.size": 10.5, "axes.titlesize": 12.5,
        "axes.titleweight": "bold", "axes.spines.top": False, "axes.spines.right": False,
        "axes.grid": True, "grid.alpha": 0.25, "axes.axisbelow": True,
        "text.parse_math": False,  # "$15k … $17k" is two amounts in dollars, not a formula between $ signs
    })


def save(fig, target: Path, bottom: float = 0.04) -> None:
    fig.tight_layout(rect=(0, bottom, 1, 1))  # room for a footnote of that height
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)
