"""The code's git commit, one rule for every place that records it (the report's header, the
tags of MLflow runs and sweeps): the commit of the project root, marked when the code or the
configuration differ from it. Changes elsewhere (dvc.lock or metrics the pipeline rewrites
itself) do not count."""

from __future__ import annotations

import subprocess
from pathlib import Path

NO_GIT = "not a git checkout"
CHANGED = " + uncommitted changes to code or configuration"
#: what counts as the code and configuration behind a result
CODE_PATHS = ("src", "conf", "params.yaml", "dvc.yaml")


def git_commit(root: Path, short: bool = True) -> str:
    """The (short) commit of `root`, followed by CHANGED when the code or configuration differ
    from it, or NO_GIT."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)

    try:
        head = git("rev-parse", *(["--short"] if short else []), "HEAD")
        if head.returncode != 0 or not head.stdout.strip():
            return NO_GIT
        changed = git("status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return NO_GIT
    return head.stdout.strip() + (CHANGED if changed else "")
