"""Reproducible, experiment-tracked customer segmentation from raw retail transactions.

The package root holds only the commands (`python -m segmentation.<command>`); each folder is
one step of the flow, in this order: common, engines, tracking (kits every step uses), data,
cleaning, features, company, models, maintenance, marketing, reporting, dashboard, serving,
sweeps. A folder imports only the folders before it (tests/test_architecture.py).
"""

import os

# OpenMP threads (the clustering's) sleep while they wait instead of spinning: studies run their
# refits in several processes at once, and spinning threads of one starve the others (3x slower
# on 2 cores). The thread count, hence every number, is unchanged. Read when OpenMP loads: here,
# before anything imports scikit-learn.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
