"""Every command the README and the documentation show is one the project has, with overrides that
compose against the real config: `python -m segmentation.<command> …` names a root command (and
its stage or template), and every `key=value` (or `dvc exp run -S key=value`) composes `conf/`
through Hydra with the validation rules, so an unknown key or a bad value fails here."""

from __future__ import annotations

import functools
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import docs_architecture
import docs_shown

from segmentation.common.config import compose
from segmentation.common.errors import UserError
from segmentation.stage import STAGES

COMMANDS = {name.removesuffix(".py") for name in docs_architecture.commands()}
HYDRA_COMMANDS = {name for name in COMMANDS if "@hydra.main" in (docs_architecture.PACKAGE / f"{name}.py").read_text()}
PLACEHOLDERS = ("…", "...", "<", "YYYY")
DATA_OPTIONS = {path.stem for path in (ROOT / "conf" / "data").glob("*.yaml")}


def is_placeholder(token: str) -> bool:
    return any(mark in token for mark in PLACEHOLDERS)


def overrides_of(arguments: list[str]) -> list[str]:
    """The config overrides among a command's arguments: `[optional]` brackets dropped, placeholders and
    Hydra's own settings (launchers, which need their plugin) left out."""
    chosen = []
    for token in arguments:
        token = token[1:-1] if token.startswith("[") and token.endswith("]") else token
        if "=" in token and not token.startswith(("-", "hydra", "++hydra")) and not is_placeholder(token):
            chosen.append(token)
    return chosen


def variants(overrides: list[str]) -> list[list[str]]:
    """A sweep as the compositions to check: every option of a swept group (`model=kmeans,gmm`), the last
    value of a swept key (`model.n_clusters=range(2,11)`), the others at their first."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    first = [f"{o.get_key_element()}={next(iter(o.sweep_string_iterator()))}" if o.is_sweep_override() else text
             for o, text in zip(parsed, overrides)]
    result = [first]
    for index, override in enumerate(parsed):
        if override.is_sweep_override():
            values = list(override.sweep_string_iterator())[1:]
            values = values if "." not in override.get_key_element() else values[-1:]
            result += [first[:index] + [f"{override.get_key_element()}={value}"] + first[index + 1:] for value in values]
    return result


@functools.cache
def composed(variant: tuple[str, ...]) -> str | None:
    try:
        compose(list(variant))
    except UserError as err:
        return str(err).splitlines()[0]
    return None


def composes(overrides: list[str]) -> str | None:
    """None when every variant composes and validates, else the first error."""
    try:
        found = [composed(tuple(variant)) for variant in variants(overrides)]
    except Exception as err:  # noqa: BLE001  (Hydra's override parser raises errors of its own kinds)
        return str(err).splitlines()[0]
    return next((error for error in found if error), None)


def problem(argv: list[str]) -> str | None:
    """What is wrong with one shown command, or None."""
    if argv[0] == "dvc":
        return composes([argv[i + 1] for i, token in enumerate(argv[:-1]) if token in ("-S", "--set-param")
                         and not is_placeholder(argv[i + 1])])
    module, arguments = argv[argv.index("-m") + 1], argv[argv.index("-m") + 2:]
    command = module.removeprefix("segmentation.")
    if is_placeholder(command):
        return None
    if command not in COMMANDS:
        return f"segmentation.{command} is not a command (commands: {', '.join(sorted(COMMANDS))})"
    if command == "stage":
        return None if not arguments or is_placeholder(arguments[0]) or arguments[0] in STAGES else \
            f"no stage '{arguments[0]}'"
    if command == "use_data":
        template = arguments[arguments.index("--from") + 1] if "--from" in arguments else arguments[0]
        if is_placeholder(template):
            return composes(overrides_of(arguments))
        if template not in DATA_OPTIONS:
            return f"no data config '{template}' to start from"
        return composes([f"data={template}", *overrides_of(arguments)])
    return composes(overrides_of(arguments)) if command in HYDRA_COMMANDS else None


SHOWN = docs_shown.shown_commands()


def test_the_docs_show_commands():
    assert len(SHOWN) > 40 and {path for path, _ in SHOWN} >= {"README.md", "docs/your-own-data.md", "docs/sweeps.md"}


def test_every_shown_command_exists_and_its_overrides_compose():
    problems = [f"{path}: {' '.join(argv)}: {problem(argv)}" for path, argv in SHOWN if problem(argv)]
    assert not problems, "\n".join(problems)


def test_the_mistakes_the_docs_show_fail_as_shown():
    mistakes = docs_shown.shown_mistakes()
    assert mistakes
    for argv, error in mistakes:
        found = problem(argv)
        assert found and found.removeprefix("error: ") in error, (argv, found, error)


@pytest.mark.parametrize("argv, expected", [
    (["python", "-m", "segmentation.train", "model.n_clusterz=3"], "n_clusterz"),
    (["dvc", "exp", "run", "-S", "featurs.scaler=robust"], "featurs"),
    (["dvc", "exp", "run", "-S", "features.scaler=huge"], "features.scaler"),
    (["python", "-m", "segmentation.train", "-m", "model=kmeans,gmmm"], "gmmm"),
    (["python", "-m", "segmentation.trian"], "not a command"),
    (["python", "-m", "segmentation.stage", "clena"], "no stage"),
])
def test_a_wrong_key_value_option_or_command_is_caught(argv, expected):
    assert expected in (problem(argv) or "")
