"""Shared fixtures: tiny frames with hand-computable answers, real-format files."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
UCI_COLUMNS = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
UCI_MAPPING = {"invoice": "Invoice", "stock_code": "StockCode", "description": "Description",
               "quantity": "Quantity", "invoice_date": "InvoiceDate", "price": "Price", "amount": None,
               "customer_id": "Customer ID", "country": "Country"}


def conf_group(group: str, option: str, **overrides) -> dict:
    """One option of a config group as `conf/` defines it (the one truth), with overrides:
    tests build model, feature and stability settings from it, never from literals."""
    return {**yaml.safe_load((ROOT / "conf" / group / f"{option}.yaml").read_text()), **overrides}


def uci_sheets() -> dict[str, pd.DataFrame]:
    """Two sheets with the real file's quirks: Invoice and StockCode mixing integers and
    strings, Customer ID as float with blanks, a cancellation, postage, accents."""
    first = pd.DataFrame([
        [489434, 85048, "15CM CHRISTMAS GLASS BALL 20 LIGHTS", 12, datetime(2009, 12, 1, 7, 45), 6.95, 13085.0, "United Kingdom"],
        [489434, "79323P", "PINK CHERRY LIGHTS", 12, datetime(2009, 12, 1, 7, 45), 6.75, 13085.0, "United Kingdom"],
        [489435, 22041, "RECORD FRAME 7\" SINGLE SIZE", 48, datetime(2009, 12, 1, 7, 46), 2.10, None, "United Kingdom"],
        ["C489449", 22087, "PAPER BUNTING WHITE LACE", -12, datetime(2009, 12, 1, 10, 33), 2.95, 16321.0, "Australia"],
    ], columns=UCI_COLUMNS)
    second = pd.DataFrame([
        [539993, 22386, "JUMBO BAG PINK POLKADOT", 10, datetime(2011, 1, 4, 10, 0), 1.95, 13313.0, "France"],
        [539993, "POST", "POSTAGE", 1, datetime(2011, 1, 4, 10, 0), 18.0, 13313.0, "France"],
        [540001, "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, datetime(2011, 1, 4, 11, 0), 2.55, 12345.0, "Réunion"],
    ], columns=UCI_COLUMNS)
    return {"Year 2009-2010": first, "Year 2010-2011": second}


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


@pytest.fixture
def uci_xlsx(tmp_path) -> Path:
    return write_xlsx(tmp_path / "online_retail_II.xlsx", uci_sheets())


def canonical(rows: list[tuple]) -> pd.DataFrame:
    """Canonical transactions from (invoice, stock_code, quantity, price, date, customer_id[, country])."""
    records = []
    for invoice, code, quantity, price, date, customer, *country in rows:
        records.append({"invoice": invoice, "stock_code": code, "description": f"item {code}",
                        "quantity": float(quantity), "price": float(price), "invoice_date": pd.Timestamp(date),
                        "customer_id": customer, "country": country[0] if country else "United Kingdom"})
    frame = pd.DataFrame(records)
    for column in ("invoice", "stock_code", "description", "customer_id", "country"):
        frame[column] = frame[column].astype("string")
    frame["invoice_date"] = frame["invoice_date"].astype("datetime64[us]")
    return frame


def make_project(tmp_path: Path, data: dict | None = None, **overrides) -> Path:
    """A project folder with conf/, dvc.yaml and a params.yaml, for running stage entry points."""
    project = tmp_path / "project"
    (project / "conf").mkdir(parents=True)
    (project / "conf" / "config.yaml").write_text("defaults: []\n")
    (project / "dvc.yaml").write_text("stages: {}\n")
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    if data is not None:
        params["data"] = data
    params.update(overrides)
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    return project


def run_module(module: str, project: Path, *args: str, timeout: int = 300,
               env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SEGMENTATION_ROOT": str(project), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=timeout)
