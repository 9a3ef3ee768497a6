"""Command: print where to look in the MLflow UI before `make ui` starts it.

    python -m segmentation.ui --port 5000

Prints the direct link to the latest sweep's runs table (its child runs, best first by
`select.metric`, in the UI's model-training view), its parent run (the leaderboard files), and
the whole experiment. Also tags an experiment created before the tag existed as model
training (`runs.setup`). An entry point: nothing imports it.
"""

from __future__ import annotations

import argparse

from segmentation.common.config import compose
from segmentation.common.errors import cli
from segmentation.tracking import ui_links
from segmentation.tracking.runs import ROLE_TAG, setup


def links(port: int) -> str:
    import mlflow

    cfg = compose()
    experiment_id = setup(cfg)
    base = f"http://127.0.0.1:{port}"
    sweeps = mlflow.MlflowClient().search_runs([experiment_id], f"tags.`{ROLE_TAG}` = 'sweep'",
                                               order_by=["start_time DESC"], max_results=1)
    lines = [f"MLflow UI on {base} (store {mlflow.get_tracking_uri()}, experiment '{cfg.mlflow.experiment}')"]
    if sweeps:
        sweep = sweeps[0].info
        table = ui_links.runs_table(base, experiment_id, sweep.run_id, str(cfg.select.metric),
                                    bool(cfg.select.higher_is_better))
        lines += [f"  latest sweep {sweep.run_name}, its runs best first: {table}",
                  f"  its leaderboard: {ui_links.run_page(base, experiment_id, sweep.run_id, 'leaderboard.html')}"]
    else:
        lines.append("  no sweep yet (python -m segmentation.train -m ...)")
    lines.append(f"  every run: {ui_links.runs_table(base, experiment_id)}")
    return "\n".join(lines)


@cli
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(ui_links.LOCAL_UI.rsplit(":", 1)[1]))
    print(links(parser.parse_args().port), flush=True)


if __name__ == "__main__":
    main()
