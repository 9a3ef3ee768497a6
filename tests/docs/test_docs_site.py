"""The documentation site builds strictly (a broken link or a page missing from the nav fails), works
offline, and its generated pages are what the generator writes now."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import docs_generate


def build(config, site) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
                          cwd=config.parent, capture_output=True, text=True, timeout=120,
                          env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    result = build(ROOT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


def test_the_site_builds_strictly_with_every_page_in_the_nav(site):
    pages = {p.relative_to(ROOT / "docs").with_suffix(".html") for p in (ROOT / "docs").rglob("*.md")}
    assert all((site / page).is_file() for page in pages)


def test_the_site_loads_nothing_from_the_network(site):
    for page in site.rglob("*.html"):
        text = page.read_text()
        assert not re.search(r"<(script|link|img)[^>]*\b(src|href)=\"(https?:)?//", text), page
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, page


def test_the_changelog_page_includes_the_changelog(site):
    assert "[Unreleased]" in (site / "changelog.html").read_text().replace("&#91;", "[")


def test_a_broken_link_fails_the_build(tmp_path):
    for name in ("docs", "mkdocs.yml", "CHANGELOG.md"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, tmp_path / name)
    page = tmp_path / "docs" / "getting-started.md"
    page.write_text(page.read_text() + "\nSee [the missing page](no-such-page.md).\n")
    result = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0 and "no-such-page.md" in result.stdout + result.stderr


def test_the_generated_pages_are_current():
    assert docs_generate.stale_pages() == [], "Fix: python scripts/docs_generate.py"


def test_the_readme_is_read_in_two_minutes():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", readme), "no dated measurements in the README"
    image = re.search(r"!\[[^]]*\]\(([^)]+)\)", readme).group(1)
    assert (ROOT / image).is_file() and (ROOT / image).stat().st_size < 400 * 1024
