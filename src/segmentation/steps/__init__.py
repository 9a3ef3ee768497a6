"""The data steps as functions of the config (generate, ingest, clean): the DVC stages and
`python -m segmentation.prepare` call these same functions."""
