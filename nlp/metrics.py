"""Scores for classification results, shared by training (early stopping) and evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PRF:
    precision: float
    recall: float
    f1: float
    support: int


def prf(gold: Sequence[bool], predicted: Sequence[bool]) -> PRF:
    true_positive = sum(g and p for g, p in zip(gold, predicted, strict=True))
    predicted_positive = sum(predicted)
    support = sum(gold)
    precision = true_positive / predicted_positive if predicted_positive else 0.0
    recall = true_positive / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, support)


def per_label(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> dict[str, PRF]:
    return {
        label: prf([g == label for g in gold], [p == label for p in predicted]) for label in labels
    }


def macro_f1(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> float:
    """Mean F1 over the labels present in gold: each intent counts, however rare."""
    scores = [s.f1 for s in per_label(gold, predicted, labels).values() if s.support]
    return sum(scores) / len(scores) if scores else 0.0


def confusion(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> list[list[int]]:
    """Rows are gold labels, columns predicted labels, in the order of ``labels``."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g]][index[p]] += 1
    return matrix


def average_precision(gold: Sequence[bool], scores: Sequence[float]) -> float:
    """Area under the precision-recall curve by ranking: threshold-free, for early stopping."""
    ranked = sorted(zip(scores, gold, strict=True), key=lambda pair: -pair[0])
    positives = sum(gold)
    if not positives:
        return 0.0
    hits = 0
    total = 0.0
    for rank, (_, label) in enumerate(ranked, 1):
        if label:
            hits += 1
            total += hits / rank
    return total / positives
