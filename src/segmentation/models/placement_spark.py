"""Clustering past one machine: fit on a seeded sample of customers on the driver (the usual
scikit-learn pipeline), then place every customer on the executors with the fitted pipeline
broadcast (`mapInPandas`), so the customer table never has to fit in one process."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def fit_sample(customers: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """At most `size` customers drawn without replacement with `seed` (all when fewer)."""
    if len(customers) <= size:
        return customers
    return customers.sample(n=size, random_state=seed).sort_index()


def assign_on_spark(spark, customers, pipeline, columns: Sequence[str]):
    """A Spark DataFrame (customer_id, segment) for the Spark DataFrame `customers`, every
    partition predicted by the broadcast `pipeline` on `columns`."""
    shared = spark.sparkContext.broadcast(pipeline)
    wanted = list(columns)

    def predict(batches):
        model = shared.value
        for batch in batches:
            labels = model.predict(batch[wanted].astype("float64"))
            yield pd.DataFrame({"customer_id": batch["customer_id"].to_numpy(), "segment": labels.astype("int64")})

    return customers.select("customer_id", *wanted).mapInPandas(predict, "customer_id string, segment long")


def placer(spark):
    """`place(pipeline, X)` for `training.fit_and_evaluate`: labels for every row of X (index:
    customer id), predicted on the executors, in X's order."""
    import pyarrow as pa

    def place(pipeline, X: pd.DataFrame):
        frame = X.rename_axis("customer_id").reset_index()
        frame["customer_id"] = frame["customer_id"].astype(str)
        placed = assign_on_spark(spark, spark.createDataFrame(pa.Table.from_pandas(frame, preserve_index=False)),
                                 pipeline, list(X.columns)).toPandas()
        return placed.set_index("customer_id")["segment"].loc[X.index.astype(str)].to_numpy()
    return place
