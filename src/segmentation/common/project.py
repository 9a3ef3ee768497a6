"""Where the project is: its root folder, and user paths resolved inside it."""

from __future__ import annotations

import os
from pathlib import Path

from segmentation.common.errors import UserError

ROOT_ENV = "SEGMENTATION_ROOT"


def project_root() -> Path:
    """The folder holding `conf/` and `dvc.yaml`: $SEGMENTATION_ROOT, else the nearest
    such folder above the working directory, else the source checkout."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "conf" / "config.yaml").is_file() and (folder / "dvc.yaml").is_file():
            return folder
    return Path(__file__).resolve().parents[3]  # src/segmentation/common/project.py


def resolve(path: str | os.PathLike) -> Path:
    """Relative config paths live inside the project; absolute paths are taken as given."""
    candidate = Path(path).expanduser()
    if candidate.is_absolute():
        return candidate
    root = project_root()
    resolved = (root / candidate).resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise UserError(f"the path '{path}' leads outside the project folder {root}. "
                        "Fix: give an absolute path if you mean a file outside the project.")
    return root / candidate
