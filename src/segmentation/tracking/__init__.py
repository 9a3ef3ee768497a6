"""MLflow at the edge: the store and its runs (`runs`), how runs are named and tagged
(`run_names`), links into the MLflow UI (`ui_links`). Sweeps and the model registry build on it
(`sweeps/`, `serving/registry`)."""
