"""The generator's output is pinned: restructuring `generate_chunk` must not move a draw.

Every step of `generate_chunk` draws from one generator, so reordering two draws silently
changes every dataset downstream. These digests were taken before `generate_chunk` was split
into steps; a failure after a pure refactor means the random stream changed. A deliberate
change of the data (or a NumPy release that changes a distribution's stream) should
update them on purpose.
"""

from __future__ import annotations

import hashlib

from segmentation.data import synthetic


def digest(tables) -> str:
    h = hashlib.sha256()
    for table in tables:
        h.update(repr(table.to_pydict()).encode())
    return h.hexdigest()


def test_one_chunk_is_unchanged():
    assert digest(synthetic.generate(0.01, 0)) == "8535f2189138b4523b7a84c3251b48c5bb555f9662ac44be4ef4e0841f700491"


def test_several_chunks_are_unchanged(monkeypatch):
    monkeypatch.setattr(synthetic, "CUSTOMERS_PER_UNIT", 200)
    assert digest(synthetic.generate(2.5, 3)) == "1f20e718eefec2b837da2696eed0970011a558fc3ce6e12c35f02d1b5d93e022"
