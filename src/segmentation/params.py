"""Command: rewrite params.yaml as the default composition of `conf/` (what `make params` runs).

    python -m segmentation.params

DVC rewrites it too on `dvc exp run -S ...`; defaults live in `conf/` only.
"""

from __future__ import annotations

from segmentation.common.config import write_params
from segmentation.common.errors import cli


@cli
def main() -> None:
    print(f"wrote {write_params()}")


if __name__ == "__main__":
    main()
