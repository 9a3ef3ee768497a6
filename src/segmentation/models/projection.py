"""2-D maps of customers (PCA, UMAP, t-SNE), computed once per feature matrix.

UMAP pays ~90 s of numba compilation in a fresh process and t-SNE ~35 s on 6k points, so
embeddings are cached by content: the key hashes the scaled matrix, the method, its
parameters and the seed. Every run of a sweep on the same feature table reuses the file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from segmentation.common.catalog import atomic_path
from segmentation.common.config import required
from segmentation.common.errors import UserError


def embed(X: np.ndarray, projection: Mapping, seed: int) -> np.ndarray:
    method = required(projection, "method", "projection")
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(X)
    if method == "umap":
        import umap

        return umap.UMAP(n_components=2, n_neighbors=int(required(projection, "n_neighbors", "projection")),
                         min_dist=float(required(projection, "min_dist", "projection")), random_state=seed).fit_transform(X)
    if method == "tsne":
        from sklearn.manifold import TSNE

        return TSNE(n_components=2, perplexity=float(required(projection, "perplexity", "projection")), init="pca",
                    random_state=seed).fit_transform(X)
    raise UserError(f"projection '{method}' is unknown. Fix: use projection=pca, umap or tsne.")


def cache_key(X: np.ndarray, projection: Mapping, seed: int) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(X, dtype=np.float64).tobytes())
    digest.update(json.dumps({**dict(projection), "seed": seed}, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]


def cached_embedding(X: np.ndarray, projection: Mapping, seed: int, cache_dir: Path | None) -> tuple[np.ndarray, bool]:
    """(embedding, whether it came from the cache)."""
    if cache_dir is None:
        return embed(X, projection, seed), False
    path = Path(cache_dir) / f"{projection['method']}-{cache_key(X, projection, seed)}.npy"
    if path.is_file():
        return np.load(path), True
    result = embed(X, projection, seed)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, result)
    return result, False
