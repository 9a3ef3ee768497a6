"""User-facing failures: one plain message, a non-zero exit, no traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps

EXIT_USER_ERROR = 2


class UserError(Exception):
    """A mistake the user can fix (bad file, wrong column, bad config).

    The message names the problem and the fix; the CLI prints it without a traceback.
    """


def cli(main: Callable[..., object]) -> Callable[..., object]:
    """Wrap an entry point so a UserError exits with its message and status 2."""

    @wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except UserError as err:
            print(f"error: {err}", file=sys.stderr)
            raise SystemExit(EXIT_USER_ERROR) from None

    return wrapper
