"""Product categories from descriptions: pure functions on a product table.

A product is a distinct description (the key lines are joined on). Descriptions are
normalised (`normalise`), vectorised with TF-IDF on words and on character n-grams
(scikit-learn), reduced to a few dense dimensions (truncated SVD, then unit length, so
Euclidean k-means is a cosine clustering) and clustered with seeded k-means; the number of
categories is the one with the best silhouette over `categories.k_min..k_max`. Each category
is named by its most characteristic words: the highest mean word TF-IDF inside it minus the
mean over all products. A user-supplied product -> category table replaces the clustering.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation.common.config import required
from segmentation.common.errors import UserError

_NOT_LETTERS = re.compile(r"[^a-z]+")


def normalise(description: str | None) -> str:
    """Lower case, letters only, single spaces: 'SET OF 3 Cake-Tins' -> 'set of cake tins'."""
    return " ".join(_NOT_LETTERS.sub(" ", str(description or "").lower()).split())


@dataclass(frozen=True)
class Categories:
    """`products`: description, category (0..k-1, ranked by revenue: 0 has the most), category_name,
    revenue; `summary`: one row per category (category, name, products, revenue_share, top_terms);
    `report`: how they were found (source, k, silhouette per k)."""

    products: pd.DataFrame
    summary: pd.DataFrame
    report: dict = field(default_factory=dict)


def _vectorise(texts: pd.Series, settings: Mapping):
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(ngram_range=(1, int(required(settings, "word_ngram_max", "categories"))),
                            token_pattern=r"(?u)\b[a-z]{2,}\b", sublinear_tf=True,
                            stop_words=list(required(settings, "stop_words", "categories")) or None)
    chars = TfidfVectorizer(analyzer="char_wb", sublinear_tf=True,
                            ngram_range=(int(required(settings, "char_ngram_min", "categories")),
                                         int(required(settings, "char_ngram_max", "categories"))))
    word_matrix = words.fit_transform(texts)
    return hstack([word_matrix, chars.fit_transform(texts)]).tocsr(), word_matrix, words


def _embed(matrix, settings: Mapping, seed: int) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    components = min(int(required(settings, "svd_components", "categories")), matrix.shape[1] - 1, matrix.shape[0] - 1)
    return normalize(TruncatedSVD(n_components=max(components, 1), random_state=seed).fit_transform(matrix))


def _best_k(points: np.ndarray, settings: Mapping, seed: int) -> tuple[np.ndarray, dict]:
    """Labels of the k with the best silhouette over k_min..k_max, and every k's silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    low, high = int(required(settings, "k_min", "categories")), int(required(settings, "k_max", "categories"))
    if high < low:
        raise UserError(f"categories.k_max={high} is below categories.k_min={low}. Fix: e.g. categories.k_max={low}.")
    sample = min(len(points), int(required(settings, "silhouette_max_products", "categories")))
    step = int(required(settings, "k_step", "categories"))
    scores, labels = {}, {}
    for k in range(low, min(high, len(points) - 1) + 1, step):
        model = KMeans(n_clusters=k, n_init=int(required(settings, "n_init", "categories")), random_state=seed)
        labels[k] = model.fit_predict(points)
        scores[k] = round(float(silhouette_score(points, labels[k], sample_size=sample, random_state=seed)), 4)
    if not scores:
        raise UserError(f"{len(points)} products cannot form categories.k_min={low} categories. "
                        "Fix: lower categories.k_min.")
    best = max(scores, key=lambda k: (scores[k], -k))
    return labels[best], {"k": best, "silhouette": scores[best], "silhouette_by_k": scores}


def _top_terms(word_matrix, vocabulary: np.ndarray, labels: np.ndarray,
               n_terms: int) -> dict[int, tuple[list[str], float]]:
    """Each category's most characteristic terms, best first: the share of its products whose
    description holds the term minus that share among the other products (a term every product
    of the category holds and no other does scores 1). A phrase replaces the words it holds
    ('cushion cover' for 'cushion') and a word already in a chosen phrase is skipped. With the
    terms, the share of the category's products holding the first."""
    present = word_matrix > 0
    everywhere = np.asarray(present.sum(axis=0)).ravel()
    phrase_length = np.array([len(str(t).split()) for t in vocabulary])
    terms, index = {}, {str(t): i for i, t in enumerate(vocabulary)}
    for label in np.unique(labels):
        inside = labels == label
        held = np.asarray(present[inside].sum(axis=0)).ravel()
        score = held / inside.sum() - (everywhere - held) / max((~inside).sum(), 1)
        chosen: list[str] = []
        # best score first; on a tie the longer phrase ('lunch box' before 'lunch')
        for i in np.lexsort((-phrase_length, -np.round(score, 6)))[: 4 * n_terms]:
            term = str(vocabulary[i])
            words = set(term.split())
            if any(words <= set(c.split()) for c in chosen):
                continue  # already said by a better term
            covered = [c for c in chosen if set(c.split()) <= words]
            if covered:  # 'cushion cover' replaces 'cushion' when it says nearly as much, else adds nothing
                if score[i] >= 0.9 * score[index[covered[0]]]:
                    chosen = [term if c == covered[0] else c for c in chosen if c == covered[0] or c not in covered]
            elif len(chosen) < n_terms:
                chosen.append(term)
        terms[int(label)] = (chosen, float(held[index[chosen[0]]] / inside.sum()) if chosen else 0.0)
    return terms


def category_name(terms: list[str], coverage_first: float) -> str:
    """The first term alone when most of the category's products hold it, else the first two."""
    return terms[0] if coverage_first >= 0.8 or len(terms) < 2 else " / ".join(terms[:2])


def cluster_products(products: pd.DataFrame, settings: Mapping, seed: int) -> Categories:
    """Categories of `products` (description, revenue) by clustering their descriptions."""
    texts = products["description"].map(normalise)
    matrix, word_matrix, words = _vectorise(texts, settings)
    labels, report = _best_k(_embed(matrix, settings, seed), settings, seed)
    n_terms = int(required(settings, "top_terms", "categories"))
    terms = _top_terms(word_matrix, words.get_feature_names_out(), labels, n_terms)
    names = {label: category_name(words_, coverage) for label, (words_, coverage) in terms.items()}
    table = products.assign(category=labels, category_name=[names[label] for label in labels])
    return _ranked(table, {"source": "clustered", "products": int(len(products)), **report},
                   {names[label]: ", ".join(words_) for label, (words_, _) in terms.items()})


def from_mapping(products: pd.DataFrame, mapping: pd.DataFrame, name: str) -> Categories:
    """Categories from a user table with `description` and `category` columns; a product it does
    not list is uncategorised (pooled with the small categories in the features)."""
    if not {"description", "category"} <= set(mapping.columns):
        raise UserError(f"{name} needs columns 'description' and 'category'; found {list(mapping.columns)}. "
                        "Fix: one row per product description with its category name.")
    mapping = mapping.dropna(subset=["description", "category"]).drop_duplicates("description")
    table = products.merge(mapping[["description", "category"]].rename(columns={"category": "category_name"}),
                           on="description", how="inner")
    if table.empty:
        raise UserError(f"{name}: no description matches the data's products. "
                        "Fix: use the descriptions exactly as they appear in the data.")
    codes = {n: i for i, n in enumerate(sorted(table["category_name"].astype(str).unique()))}
    table = table.assign(category_name=table["category_name"].astype(str),
                         category=table["category_name"].astype(str).map(codes))
    return _ranked(table, {"source": f"mapping ({name})", "products": int(len(products)),
                           "products_mapped": int(len(table)), "k": len(codes)}, {})


def _ranked(table: pd.DataFrame, report: dict, terms: dict[str, str]) -> Categories:
    """Number categories by revenue (0: the most) and summarise them."""
    revenue = table.groupby("category")["revenue"].sum().sort_values(ascending=False, kind="stable")
    rank = {old: new for new, old in enumerate(revenue.index)}
    table = table.assign(category=table["category"].map(rank)).sort_values(["category", "description"])
    total = float(table["revenue"].sum()) or 1.0
    summary = (table.groupby(["category", "category_name"], as_index=False)
               .agg(products=("description", "size"), revenue=("revenue", "sum")))
    summary = summary.assign(revenue_share=(summary["revenue"] / total).round(4),
                             top_terms=summary["category_name"].map(terms).fillna(summary["category_name"]))
    columns = ["description", "category", "category_name", "revenue"]
    return Categories(table[columns].reset_index(drop=True),
                      summary[["category", "category_name", "products", "revenue_share", "top_terms"]], report)
