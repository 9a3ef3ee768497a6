"""The maintenance study: how long a segmentation stays valid, and how often to refresh it.

- `study`: fit at the baseline snapshot, replay every later snapshot (pure, on feature tables);
- `recommendation`: the refresh interval and its plain-language advice, as structured fields;
- `snapshot_tables`: the snapshot feature tables the study reads (catalog or a precomputed folder);
- `outputs`: the curve figure and the CSV/JSON files.
"""
