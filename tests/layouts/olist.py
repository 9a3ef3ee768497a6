"""A seeded folder in the published Olist export's layout (file names, columns, formats), large
enough to run every stage: customers with one or several orders, each order under its own
export `customer_id` (the per-order id) and the person's `customer_unique_id`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

STATES = ["SP", "RJ", "MG", "RS", "PR", "SC", "BA", "DF"]
STATE_WEIGHTS = [0.42, 0.13, 0.12, 0.06, 0.05, 0.04, 0.1, 0.08]


def _hex(prefix: str, numbers) -> list[str]:
    return [hashlib.md5(f"{prefix}{n}".encode()).hexdigest() for n in numbers]


def _stamp(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d %H:%M:%S").where(values.notna(), "")


def write_olist(folder: Path, customers: int = 600, seed: int = 0, optional: bool = True) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    per_customer = 1 + rng.geometric(0.55, customers) - 1 + (rng.random(customers) < 0.25) * rng.integers(1, 5, customers)
    owner = np.repeat(np.arange(customers), per_customer)
    n = len(owner)
    start, span = pd.Timestamp("2016-10-04"), (pd.Timestamp("2018-08-29") - pd.Timestamp("2016-10-04")).total_seconds()
    bought = (start + pd.to_timedelta(np.sort(rng.random(n)) * span, unit="s")).floor("s")
    bought = pd.Series(bought[rng.permutation(n)])
    order_ids, export_ids = _hex("order", range(n)), _hex("customer", range(n))
    unique_ids = _hex("person", owner)
    status = np.where(rng.random(n) < 0.02, "canceled", np.where(rng.random(n) < 0.01, "unavailable", "delivered"))
    estimated = (bought + pd.to_timedelta(rng.integers(10, 30, n), unit="D")).dt.normalize()
    delivered = bought + pd.to_timedelta(rng.gamma(3.0, 4.0, n) * 86400, unit="s")
    delivered = delivered.where(status == "delivered").dt.floor("s")
    pd.DataFrame({
        "order_id": order_ids, "customer_id": export_ids, "order_status": status,
        "order_purchase_timestamp": _stamp(bought), "order_approved_at": _stamp(bought + pd.Timedelta(minutes=15)),
        "order_delivered_carrier_date": _stamp((bought + pd.Timedelta(days=2)).where(status == "delivered")),
        "order_delivered_customer_date": _stamp(delivered), "order_estimated_delivery_date": _stamp(estimated),
    }).to_csv(folder / "olist_orders_dataset.csv", index=False)
    spend = np.exp(rng.normal(4.7, 0.8, customers))[owner] * rng.uniform(0.6, 1.4, n)
    split = rng.random(n) < 0.1  # some orders paid in two parts (voucher + card)
    payments = pd.DataFrame({"order_id": order_ids, "payment_sequential": 1,
                             "payment_type": np.where(rng.random(n) < 0.75, "credit_card", "boleto"),
                             "payment_installments": rng.integers(1, 11, n),
                             "payment_value": np.round(np.where(split, spend * 0.7, spend), 2)})
    extra = payments[split].assign(payment_sequential=2, payment_type="voucher", payment_installments=1,
                                   payment_value=np.round(spend[split] * 0.3, 2))
    pd.concat([payments, extra]).to_csv(folder / "olist_order_payments_dataset.csv", index=False)
    state = rng.choice(STATES, customers, p=STATE_WEIGHTS)[owner]
    pd.DataFrame({"customer_id": export_ids, "customer_unique_id": unique_ids,
                  "customer_zip_code_prefix": rng.integers(1000, 99999, n), "customer_city": "sao paulo",
                  "customer_state": state}).to_csv(folder / "olist_customers_dataset.csv", index=False)
    if optional:
        pd.DataFrame({"order_id": order_ids, "order_item_id": 1, "product_id": _hex("product", rng.integers(0, 300, n)),
                      "seller_id": _hex("seller", rng.integers(0, 40, n)),
                      "shipping_limit_date": _stamp(bought + pd.Timedelta(days=3)),
                      "price": np.round(spend * 0.85, 2), "freight_value": np.round(spend * 0.15, 2),
                      }).to_csv(folder / "olist_order_items_dataset.csv", index=False)
        reviewed = rng.random(n) < 0.9
        late = (delivered > estimated).to_numpy()
        score = np.clip(np.where(late, rng.integers(1, 4, n), rng.integers(3, 6, n)), 1, 5)
        pd.DataFrame({"review_id": _hex("review", np.flatnonzero(reviewed)), "order_id": np.array(order_ids)[reviewed],
                      "review_score": score[reviewed], "review_comment_title": "",
                      "review_comment_message": np.where(score[reviewed] >= 4, "Ótimo, chegou antes do prazo", "Não recebi"),
                      "review_creation_date": _stamp((bought + pd.Timedelta(days=20))[reviewed]),
                      "review_answer_timestamp": _stamp((bought + pd.Timedelta(days=22))[reviewed]),
                      }).to_csv(folder / "olist_order_reviews_dataset.csv", index=False)
    return folder
