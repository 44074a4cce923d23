"""Fitting the answerability score and choosing its threshold: pure functions over labelled evidence.

`fit` is plain logistic regression (Newton's method with a small ridge penalty) over `answerability.FEATURES`:
five numbers and a few hundred labelled questions need no library. `choose_threshold` takes the highest threshold
whose false refusals on the answerable questions stay within the target, so the trade-off is stated in the one
figure a reader feels most (a right answer withheld). `curve` gives the refusal vs false-refusal trade-off at every
threshold, per kind of unanswerable question, for the command's output and the evaluation page's chart.
"""

from collections.abc import Sequence

import numpy as np

RIDGE = 0.1
STEPS = 50
CURVE_THRESHOLDS = [round(t, 2) for t in np.arange(0.0, 1.0001, 0.05)]


def fit(features: Sequence[Sequence[float]], labels: Sequence[bool], *,
        ridge: float = RIDGE) -> tuple[list[float], float]:
    """(weights, bias) of a logistic model predicting `labels` (True = answerable). Classes are weighted equally, so
    a set with more unanswerable questions than answerable ones does not tilt the score."""
    x = np.hstack([np.asarray(features, dtype=float), np.ones((len(features), 1))])
    y = np.asarray(labels, dtype=float)
    positive = max(y.sum(), 1.0)
    weight = np.where(y == 1, len(y) / (2 * positive), len(y) / (2 * max(len(y) - positive, 1.0)))
    beta = np.zeros(x.shape[1])
    penalty = np.eye(x.shape[1]) * ridge
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (weight * (p - y)) + penalty @ beta
        hessian = (x * (weight * p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return [round(float(b), 4) for b in beta[:-1]], round(float(beta[-1]), 4)


def choose_threshold(answerable_scores: Sequence[float], *, max_false_refusal: float) -> float:
    """The highest threshold (on a 0.01 grid) that refuses at most `max_false_refusal` of the answerable questions."""
    scores = np.asarray(answerable_scores, dtype=float)
    best = 0.0
    for t in np.arange(0.0, 1.0, 0.01):
        if scores.size and np.mean(scores < t) <= max_false_refusal:
            best = float(t)
    return round(best, 2)


def curve(scored: Sequence[tuple[str, float]], thresholds: Sequence[float] = CURVE_THRESHOLDS) -> list[dict]:
    """For each threshold: the share refused of each kind (`answerable` refused = false refusals).
    `scored` holds (kind, score) with kind in answerable | off_topic | same_topic."""
    by_kind: dict[str, list[float]] = {}
    for kind, score in scored:
        by_kind.setdefault(kind, []).append(score)

    def refused(kind: str, t: float) -> float | None:
        values = by_kind.get(kind)
        return round(sum(v < t for v in values) / len(values), 3) if values else None

    return [{"threshold": t, "off_topic_refused": refused("off_topic", t),
             "same_topic_refused": refused("same_topic", t), "false_refusal": refused("answerable", t)}
            for t in thresholds]
