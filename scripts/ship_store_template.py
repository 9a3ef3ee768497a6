"""Ship the installed MLflow version's migrated empty store in the package
(src/segmentation/tracking/store_templates/, gzipped, ~17 KB), so a fresh clone copies it
instead of running MLflow's schema migrations (~5 s). Run it after upgrading MLflow; the test
`tests/tracking/test_store.py` checks a shipped template against what the installed MLflow creates.

    python scripts/ship_store_template.py
"""

from __future__ import annotations

from segmentation.tracking.store import ship

if __name__ == "__main__":
    print(f"shipped {ship()}")
