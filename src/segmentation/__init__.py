"""Reproducible, experiment-tracked customer segmentation from raw retail transactions.

The package root holds only the commands (`python -m segmentation.<command>`); each folder is
one step of the flow, in this order: common, engines, tracking (kits every step uses), data,
cleaning, features, company, models, maintenance, marketing, reporting, dashboard, serving,
sweeps. A folder imports only the folders before it (tests/test_architecture.py).
"""
