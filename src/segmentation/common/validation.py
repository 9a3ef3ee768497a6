"""Strict checks of the composed config: booleans, enumerations and ranges, before any work.

One declarative table (`RULES`) over dotted keys; it is also the one list of each key's allowed
values (`options`), which the code implementing them reads. `check(cfg)` raises a UserError naming the
first bad value and its fix (exit 2 through `errors.cli`); it runs wherever a run starts:
`config.load_params()` (DVC stages), `config.compose()` and each Hydra command's `main`.
A key absent from the config is not checked here (`config.required` says so where it is read);
group options without a key (e.g. `model.covariance_type` outside `model=gmm`) skip its rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from segmentation.common.errors import UserError

_MISSING = object()


@dataclass(frozen=True)
class Rule:
    """`kind`: boolean | choice (one of `options`) | choices (a list drawn from `options`) |
    whole (an integer) | number | replaced (a former key: only null, its placeholder, passes;
    `example` names the key that replaced it, `options` the (old value, new value) pairs).
    `low`/`high` bound numbers (`open_low`/`open_high`: excluded).
    `null`: what null means where it is accepted (None: null is refused). `example`: a good value."""

    key: str
    kind: str
    options: tuple = ()
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    null: str | None = None
    example: object = None


def boolean(key: str) -> Rule:
    return Rule(key, "boolean")


def choice(key: str, *options, null: str | None = None) -> Rule:
    return Rule(key, "choice", options, null=null)


def replaced(key: str, new_key: str, *translations: tuple) -> Rule:
    """A key that no longer exists, kept as null in conf/ so that an old command line or params.yaml
    setting it gets one line naming its replacement (Hydra would refuse an unknown key in many lines)."""
    return Rule(key, "replaced", translations, null="not set", example=new_key)


def whole(key: str, low: int, example: int, null: str | None = None) -> Rule:
    return Rule(key, "whole", low=low, example=example, null=null)


def number(key: str, example: float, low: float | None = None, high: float | None = None, *, open_low: bool = False,
           open_high: bool = False, null: str | None = None) -> Rule:
    return Rule(key, "number", low=low, high=high, open_low=open_low, open_high=open_high, example=example, null=null)


RULES: tuple[Rule, ...] = (
    whole("seed", 0, 42),
    # data
    choice("data.format", "auto", "xlsx", "csv", "txt", "parquet", "olist", "table", null="from the extension, as auto"),
    number("data.scale", 1, low=0, open_low=True, null="not a synthetic source"),
    number("data.product_affinity", 0.6, low=0, high=1, open_high=True, null="products by popularity alone"),
    # cleaning
    choice("cleaning.drop_duplicates", "auto", True, False),
    boolean("cleaning.drop_non_product"),
    boolean("cleaning.drop_non_positive_price"),
    boolean("cleaning.drop_quantity_outliers"),
    number("cleaning.max_abs_quantity", 10000, low=0, open_low=True),
    # features
    choice("features.wholesalers", "keep", "drop", "separate"),
    replaced("features.drop_wholesalers", "features.wholesalers", (True, "drop"), (False, "keep")),
    number("features.wholesaler_quantile", 0.98, low=0, high=1, open_low=True, open_high=True),
    choice("features.transform", "none", "log1p"),
    choice("features.scaler", "standard", "robust", "minmax"),
    # engine (where the transaction-heavy stages run)
    choice("engine.name", "duckdb", "spark"),
    whole("engine.spark.shuffle_partitions", 1, 8),
    # categories (product categories from descriptions, interest features)
    whole("categories.min_products", 2, 50),
    whole("categories.k_min", 2, 8),
    whole("categories.k_max", 2, 40),
    whole("categories.k_step", 1, 4),
    whole("categories.word_ngram_max", 1, 2),
    whole("categories.char_ngram_min", 1, 3),
    whole("categories.char_ngram_max", 1, 5),
    whole("categories.svd_components", 2, 100),
    whole("categories.n_init", 1, 2),
    whole("categories.silhouette_max_products", 2, 3000),
    whole("categories.top_terms", 1, 3),
    whole("categories.tastes.favourites", 1, 2),
    number("categories.tastes.min_lift", 1.25, low=1),
    whole("categories.tastes.bootstrap", 20, 200),
    number("categories.tastes.interval", 0.9, low=0.5, high=1, open_high=True),
    whole("categories.tastes.min_customers", 1, 30),
    # model (each key only where the chosen model has it)
    whole("model.n_clusters", 2, 4, null="the estimator's own choice"),
    whole("model.n_init", 1, 10),
    whole("model.max_iter", 1, 300),
    whole("model.batch_size", 1, 4096),
    choice("model.covariance_type", "full", "tied", "diag", "spherical"),
    whole("model.min_cluster_size", 2, 50),
    whole("model.min_samples", 1, 10, null="same as min_cluster_size"),
    choice("model.cluster_selection_method", "eom", "leaf"),
    choice("model.noise", "keep", "nearest"),
    # evaluation
    whole("evaluation.silhouette_max_customers", 1, 10000),
    whole("evaluation.bootstrap_resamples", 1, 20),
    whole("evaluation.bootstrap_max_customers", 1, 20000),
    whole("evaluation.fit_max_customers", 2, 200000, null="fit on every customer"),
    # projection
    choice("projection.method", "pca", "tsne", "umap"),
    whole("projection.max_points", 2, 20000),
    number("projection.perplexity", 30, low=0, open_low=True),
    whole("projection.n_neighbors", 2, 15),
    number("projection.min_dist", 0.1, low=0),
    # stability (the maintenance contract)
    boolean("stability.enabled"),
    boolean("stability.sensitivity"),
    boolean("stability.sensitivity_in_runs"),
    choice("stability.curve", "keep_vs_refit", "baseline_vs_refit"),
    choice("stability.strategy", "refit", "classify", "keep"),
    choice("stability.population", "all", "existing"),
    Rule("stability.classifiers", "choices", ("random_forest", "nearest_centroid")),
    number("stability.threshold", 0.8, low=0, high=1, open_low=True),
    number("stability.self_agreement_floor", 0.75, low=0, high=1),
    number("stability.competing_margin", 0.25, low=0, high=1, open_low=True),
    whole("stability.noise_seeds", 1, 10),
    whole("stability.noise_resamples", 0, 20),
    whole("stability.noise_max_customers", 1, 5000),
    whole("stability.interval_resamples", 1, 200),
    whole("stability.min_baseline_customers", 1, 100),
    whole("stability.min_new_customers", 0, 20),
    whole("stability.min_offsets", 1, 2),
    # select (the champion rule) and the others
    boolean("select.higher_is_better"),
    number("select.min_smallest_cluster_share", 0.02, low=0, high=1, null="no constraint"),
    number("select.min_bootstrap_ari", 0.8, low=-1, high=1, null="no constraint"),
    number("select.min_refresh_interval_months", 1, low=0, null="no constraint"),
    choice("assign.noise", "keep", "nearest", null="as trained"),
    boolean("mlflow.log_model"),
    # value (expected revenue, plan, movement)
    boolean("value.enabled"),
    number("value.horizon_days", 90, low=0, open_low=True),
    number("value.at_risk_below", 0.5, low=0, high=1, open_low=True),
    number("value.target_growth", 0.1, low=0, open_low=True),
    number("value.time_unit_days", 1, low=0, open_low=True),
    whole("value.min_repeat_customers", 2, 50),
    number("value.max_holdout_error", 0.35, low=0, open_low=True),
    number("value.min_rank_correlation", 0.3, low=-1, high=1),
    number("value.lapsed_after_days", 365, low=0, open_low=True),
    whole("dashboard.max_map_points", 100, 10000),
    # monitor (the maintenance contract month by month)
    boolean("monitor.replay"),
    number("monitor.survive", 0.7, low=0, high=1, open_low=True),
    number("monitor.split", 0.3, low=0, high=1, open_low=True, open_high=True),
    whole("monitor.refit_seeds", 1, 3),
    whole("monitor.noise_seeds", 1, 10),
    whole("monitor.noise_resamples", 0, 10),
    whole("monitor.noise_max_customers", 2, 5000),
    whole("monitor.interval_resamples", 1, 200),
    whole("monitor.min_new_customers", 0, 20),
    whole("monitor.min_new_lines", 0, 100),
    number("monitor.max_mislabelled", 0.1, low=0, high=1, open_low=True),
    whole("monitor.refresh_exit_code", 3, 3),
    whole("dashboard.page_size", 1, 25),
)


def options(key: str) -> tuple:
    """The values `key` accepts: the one list of them; the code implementing each option is
    checked against it (e.g. `features.selection.SCALER_CLASSES`, `tracking.run_names.WHOLESALER_WORDS`)."""
    [rule] = [rule for rule in RULES if rule.key == key and rule.kind in ("choice", "choices")]
    return rule.options


def require_valid(key: str, value) -> None:
    """The check of one key's value where the code reads it (a value set in code, not conf/):
    the same message as `check`."""
    message = problem(next(rule for rule in RULES if rule.key == key), value)
    if message:
        raise UserError(message)


def lookup(cfg: Mapping, key: str):
    node = cfg
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def shown(value) -> str:
    """A value as the user would type it: 'maybe', true, null, 1.5."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return str(list(value) if is_list(value) else value)


def is_list(value) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)


def is_number(value, whole_only: bool = False) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (not whole_only and isinstance(value, float) and math.isfinite(value))


def bounds(rule: Rule) -> str:
    low = None if rule.low is None else f"{'above' if rule.open_low else 'at least'} {rule.low:g}"
    high = None if rule.high is None else f"{'below' if rule.open_high else 'at most'} {rule.high:g}"
    return " and ".join(part for part in (low, high) if part)


def within(rule: Rule, value) -> bool:
    if rule.low is not None and (value <= rule.low if rule.open_low else value < rule.low):
        return False
    return rule.high is None or (value < rule.high if rule.open_high else value <= rule.high)


def listed(options) -> str:
    words = [shown(o) if not isinstance(o, str) else o for o in options]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def problem(rule: Rule, value) -> str | None:
    """The message for a bad value, else None."""
    key, null = rule.key, f" (null: {rule.null})" if rule.null else ""
    if value is None and rule.null:
        return None
    if rule.kind == "boolean":
        if isinstance(value, bool):
            return None
        return f"{key}={shown(value)} is not true or false. Fix: use {key}=true or false."
    if rule.kind == "choice":
        if any(value == o and type(value) is type(o) for o in rule.options):
            return None
        return (f"{key}={shown(value)} is not one of {listed(rule.options)}. "
                f"Fix: use {key}={listed(rule.options)}{null}.")
    if rule.kind == "replaced":
        return replacement(rule, value)
    if rule.kind == "choices":
        if is_list(value) and all(v in rule.options for v in value):
            return None
        return (f"{key}={shown(value)} is not a list drawn from {listed(rule.options)}. "
                f"Fix: e.g. {key}=[{','.join(rule.options)}] (or [] for none).")
    whole_only = rule.kind == "whole"
    if is_number(value, whole_only) and within(rule, value):
        return None
    what = "a whole number" if whole_only else "a number"
    limits = f" ({bounds(rule)})" if bounds(rule) else ""
    return f"{key}={shown(value)} must be {what}{limits}. Fix: e.g. {key}={rule.example:g}{null}."


def replacement(rule: Rule, value) -> str:
    """The message for a former key that is set: its replacement, with the value it means."""
    options = next((r.options for r in RULES if r.key == rule.example), ())
    new = {old: new for old, new in rule.options}.get(value) if isinstance(value, bool) else None
    fix = (f"{rule.example}={new}" if new else
           f"{rule.example}=" + " or ".join(f"{n} (was {shown(o)})" for o, n in rule.options))
    return f"{rule.key}={shown(value)} was replaced by {rule.example} ({listed(options)}). Fix: use {fix}."


def check(cfg: Mapping, rules: tuple[Rule, ...] = RULES):
    """Raise a UserError for the first value breaking a rule; return `cfg` unchanged."""
    for rule in rules:
        value = lookup(cfg, rule.key)
        if value is _MISSING:
            continue
        message = problem(rule, value)
        if message:
            raise UserError(message)
    return cfg
