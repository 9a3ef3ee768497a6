"""Does the verdict hold for neighbouring configurations? The study is rerun with the model's
first declared hyper-parameter moved one step each way (k-1 and k+1 for `n_clusters`; half and
double for any other, e.g. HDBSCAN's min_cluster_size), and the verdicts are compared."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from segmentation.common.config import required
from segmentation.common.progress import progress


def neighbours(model: Mapping) -> tuple[str, list]:
    """(the hyper-parameter moved, its neighbouring values), from the model's `short_names`."""
    key = next(iter(required(model, "short_names", "model") or {}), None)
    value = model.get(key) if key else None
    if not isinstance(value, int) or isinstance(value, bool):
        return key or "", []
    values = [value - 1, value + 1] if key == "n_clusters" else [max(2, value // 2), value * 2]
    return key, [v for v in values if v >= 2 and v != value]


def describe(summary: Mapping) -> str:
    """A verdict in a few words: '8 months', '15 days', 'stable', 'unstable', 'not enough data'."""
    kind = summary["verdict"]
    if kind == "refresh":
        months, days = summary["refresh_interval_months"], summary["refresh_interval_days"]
        if days == 0:
            return "every update"
        return f"{months:g} month{'s' if months != 1 else ''}" if months >= 1 else f"{days} days"
    return {"stable": "stable", "unstable_baseline": "unstable", "not_enough_data": "not enough data"}[kind]


def sensitivity(model: Mapping, summary: Mapping, study: Callable[[dict], Mapping]) -> dict:
    """Rerun `study(model)` at the neighbours; returns each verdict and one plain sentence."""
    key, values = neighbours(model)
    short = (required(model, "short_names", "model") or {}).get(key, key)
    if not values:
        return {"sensitivity": "not measured: the model declares no integer hyper-parameter to move",
                "sensitivity_holds": None, "sensitivity_verdicts": {}}
    verdicts = {model[key]: describe(summary)}
    name = "k" if key == "n_clusters" else short
    for value in progress(values, f"sensitivity: the study at {name} = {', '.join(map(str, values))}"):
        verdicts[value] = describe(study({**model, key: value}))
    ordered = dict(sorted(verdicts.items()))
    holds = len(set(ordered.values())) == 1
    span = f"{min(ordered)}-{max(ordered)}" if len(ordered) > 1 else str(model[key])
    sentence = (f"holds for {name} = {span}" if holds else
                f"depends on {name}: " + ", ".join(f"{v} at {name}={k}" for k, v in ordered.items()))
    return {"sensitivity": sentence, "sensitivity_holds": holds,
            "sensitivity_verdicts": {f"{name}={k}": v for k, v in ordered.items()}}
