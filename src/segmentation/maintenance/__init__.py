"""The maintenance contract (stage `stability`): how long a segmentation stays valid and how
often to refresh it. `study` (baseline vs later snapshots, pure), `noise` (the band with no
drift), `recommendation` and `verdict` (the interval, or why there is none), `sensitivity`
(neighbouring configurations), `snapshot_tables` (what the study reads), `study_files` and
`curve_figure` (its outputs), `run` (the stage)."""
