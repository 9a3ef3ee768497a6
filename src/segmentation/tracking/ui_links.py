"""Direct links into the MLflow UI: a sweep's runs table, a run's page.

MLflow 3's UI starts in "GenAI" mode (traces, token usage) and remembers the mode per
browser; a link carrying `workflowType=machine_learning` opens on the training runs whatever
the browser remembers. The runs table also reads its filter and sort from the link, so a
sweep's link lists its child runs, best first.

The UI's address: `$SEGMENTATION_UI_URL`, else the tracking server itself when the store is
one (http...), else where `make ui` serves a local store.
"""

from __future__ import annotations

import os
from urllib.parse import quote, urlencode

LOCAL_UI = "http://127.0.0.1:5000"  # the `make ui` target's default address (its UI_PORT)
ML_VIEW = {"workflowType": "machine_learning"}


def ui_base(tracking_uri: str) -> str:
    if os.environ.get("SEGMENTATION_UI_URL"):
        return os.environ["SEGMENTATION_UI_URL"].rstrip("/")
    if tracking_uri.startswith(("http://", "https://")):
        return tracking_uri.rstrip("/")
    return LOCAL_UI


def runs_table(base: str, experiment_id: str, parent_run_id: str | None = None, sort_metric: str | None = None,
               higher_is_better: bool = True, search: str | None = None, charts: bool = False) -> str:
    """The experiment's runs table; with `parent_run_id`, only that sweep's runs, sorted by `sort_metric`;
    `search` filters otherwise; `charts` opens the chart view (each metric against its step)."""
    params = dict(ML_VIEW)
    if parent_run_id or search:
        params["searchFilter"] = f"tags.mlflow.parentRunId = '{parent_run_id}'" if parent_run_id else search
    if charts:
        params["compareRunsMode"] = "CHART"
    if sort_metric:
        params.update(orderByKey=f"metrics.`{sort_metric}`", orderByAsc=str(not higher_is_better).lower())
    return f"{base}/#/experiments/{experiment_id}/runs?{urlencode(params, quote_via=quote)}"


def run_page(base: str, experiment_id: str, run_id: str, artifact: str | None = None) -> str:
    """A run's page, or one of its artifacts shown in its artifacts tab (a sweep's leaderboard.html)."""
    path = f"/artifactPath/{quote(artifact)}" if artifact else ""
    return f"{base}/#/experiments/{experiment_id}/runs/{run_id}{path}?{urlencode(ML_VIEW)}"
