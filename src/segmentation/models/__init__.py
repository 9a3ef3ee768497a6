"""Segmentation models (stage `train`): estimators from `conf/model/*.yaml` (`estimators`),
quality and bootstrap stability (`evaluation`), one fit measured (`fitting`), 2-D maps
(`projection`), segment names, traits and actions (`naming`), one numbering across fits
(`segment_ids`), the run's figures (`run_figures`), Spark placement (`placement_spark`), and the
tracked training run (`run`: fit, draw, log, write)."""
