"""The segment-label conventions every model and every reader of labels shares, without
importing a model library (the value and report steps read labels, not estimators)."""

NOISE = -1  # the label of customers a density model leaves out of every segment
