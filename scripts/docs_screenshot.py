"""The README's picture: a screenshot of what the pipeline produces, taken by headless Chromium.

    python scripts/docs_screenshot.py                                  # reports/dashboard.html -> docs/img/dashboard.png
    python scripts/docs_screenshot.py --page reports/report.html --out docs/img/report.png

Run it after `make repro` (the page is the pipeline's own output; it loads nothing from the
network). The PNG is reduced to a palette and a width that keep it under --max-kb.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def browser() -> str:
    found = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)),
                 None)
    if not found:
        raise SystemExit("no Chromium found. Fix: install it (Debian: apt-get install chromium)")
    return found


def capture(page: Path, out: Path, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser(), "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                        f"--user-data-dir={profile}", f"--screenshot={out}", f"--window-size={width},{height}",
                        "--virtual-time-budget=10000", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)


def shrink(path: Path, max_kb: int) -> None:
    """A palette PNG (screens of text and flat charts lose nothing visible), narrower until small enough."""
    image = Image.open(path).convert("RGB")
    while True:
        image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
        if path.stat().st_size <= max_kb * 1024 or image.width < 600:
            return
        image = image.resize((int(image.width * 0.85), int(image.height * 0.85)), Image.Resampling.LANCZOS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=Path, default=ROOT / "reports" / "dashboard.html")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "dashboard.png")
    parser.add_argument("--size", default="1280,900", help="browser window, width,height")
    parser.add_argument("--max-kb", type=int, default=350)
    args = parser.parse_args()
    if not args.page.is_file():
        raise SystemExit(f"{args.page} not found. Fix: run make repro first, or pass --page")
    width, height = (int(n) for n in args.size.split(","))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    capture(args.page, args.out, width, height)
    shrink(args.out, args.max_kb)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
