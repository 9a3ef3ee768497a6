"""HTML pieces every report section shares."""

from __future__ import annotations

import html


def figure(uri: str, alt: str, note: str = "") -> str:
    """An embedded image with its caption, and its one-sentence reading above it when there is one."""
    text = f'<p class="figure-note">{html.escape(note)}</p>' if note else ""
    return (f'<figure>{text}<img src="{uri}" alt="{html.escape(alt)}"><figcaption>{html.escape(alt)}</figcaption>'
            "</figure>")
