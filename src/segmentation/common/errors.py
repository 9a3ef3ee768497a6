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


def as_user_error(err: Exception) -> UserError | None:
    """A UserError, or a config key missing from the composed config, as one user-facing error."""
    if isinstance(err, UserError):
        return err
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError

    if isinstance(err, (ConfigAttributeError, ConfigKeyError)):
        key = getattr(err, "full_key", None) or str(err).splitlines()[0]
        return UserError(f"config key {key} is missing. Fix: add it to conf/ (regenerate params.yaml with "
                         "`make params`).")
    return None


def cli(main: Callable[..., object]) -> Callable[..., object]:
    """Wrap an entry point so a user error exits with its message and status 2."""

    @wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except Exception as err:
            user_error = as_user_error(err)
            if user_error is None:
                raise
            print(f"error: {user_error}", file=sys.stderr)
            raise SystemExit(EXIT_USER_ERROR) from None

    return wrapper
