"""Measuring the model on labelled messages, next to two baselines measured in the same run.

The baselines say whether the pipeline earns its complexity: TF-IDF + logistic regression for
intent (a strong simple peer on intent benchmarks) and VADER alone for hostility. scikit-learn
is a development dependency, imported only when the baselines are asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from nlp.analysis import INTENTS, Analysis
from nlp.corpus import Message
from nlp.metrics import PRF, confusion, macro_f1, per_label, prf
from nlp.model import NlpModel

VADER_HOSTILE_AT = -0.05
TARGETS = {
    "intent macro-F1": 0.90,
    "urgent recall": 0.98,
    "urgent precision": 0.85,
    "hostile F1": 0.85,
}


@dataclass(frozen=True, slots=True)
class Baselines:
    intents: list[str]
    """TF-IDF (word 1-2 + char_wb 2-5) + logistic regression, trained on the training split."""
    hostile: list[bool]
    """VADER compound <= -0.05."""


def tfidf_intents(train: Sequence[Message], test: Sequence[Message]) -> list[str]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    classifier = make_pipeline(
        make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ),
        LogisticRegression(max_iter=2000, C=10.0),
    )
    classifier.fit([m.text for m in train], [m.intent for m in train])
    return [str(label) for label in classifier.predict([m.text for m in test])]


def vader_hostile(test: Sequence[Message]) -> list[bool]:
    analyzer = SentimentIntensityAnalyzer()
    return [analyzer.polarity_scores(m.text)["compound"] <= VADER_HOSTILE_AT for m in test]


def baselines(train: Sequence[Message], test: Sequence[Message]) -> Baselines:
    return Baselines(tfidf_intents(train, test), vader_hostile(test))


def predict(model: NlpModel, messages: Sequence[Message]) -> list[Analysis]:
    return model.analyze_many([m.text for m in messages], [m.channel for m in messages])


def report(
    messages: Sequence[Message],
    predicted: Sequence[Analysis],
    out: TextIO,
    compared: Baselines | None = None,
) -> dict[str, float]:
    """Print the evaluation; returns the headline figures (those in :data:`TARGETS`)."""
    gold = [m.intent for m in messages]
    intents = [a.intent for a in predicted]
    model_scores = per_label(gold, intents, INTENTS)
    base_scores = per_label(gold, compared.intents, INTENTS) if compared else None
    print(f"{len(messages)} messages\n", file=out)
    header = f"{'intent':20} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}"
    print(
        header + (f"   | baseline TF-IDF+LR {'P':>6} {'R':>6} {'F1':>6}" if compared else ""),
        file=out,
    )
    for label in INTENTS:
        line = f"{label:20} {_prf_cells(model_scores[label])} {model_scores[label].support:5d}"
        if base_scores:
            line += f"   | {'':18} {_prf_cells(base_scores[label])}"
        print(line, file=out)
    model_macro = macro_f1(gold, intents, INTENTS)
    line = f"{'macro-F1':20} {'':>13} {model_macro:6.3f}"
    if compared:
        line += f" {'':5}   | {'':18} {'':>13} {macro_f1(gold, compared.intents, INTENTS):6.3f}"
    print(line + "\n", file=out)

    print("confusion (rows gold, columns predicted):", file=out)
    short = [label[:6] for label in INTENTS]
    print(f"{'':20} " + " ".join(f"{s:>6}" for s in short), file=out)
    for label, row in zip(INTENTS, confusion(gold, intents, INTENTS), strict=True):
        print(f"{label:20} " + " ".join(f"{n:6d}" for n in row), file=out)

    urgent = prf([m.urgent for m in messages], [a.urgent for a in predicted])
    hostile = prf([m.hostile for m in messages], [a.hostile for a in predicted])
    print(f"\n{'':20} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}", file=out)
    print(f"{'urgent':20} {_prf_cells(urgent)} {urgent.support:5d}", file=out)
    print(f"{'hostile':20} {_prf_cells(hostile)} {hostile.support:5d}", file=out)
    if compared:
        vader = prf([m.hostile for m in messages], compared.hostile)
        print(f"{'hostile: VADER alone':20} {_prf_cells(vader)}", file=out)

    figures = {
        "intent macro-F1": model_macro,
        "urgent recall": urgent.recall,
        "urgent precision": urgent.precision,
        "hostile F1": hostile.f1,
    }
    print(f"\n{'target':20} {'needed':>7} {'measured':>9}", file=out)
    for name, needed in TARGETS.items():
        verdict = "ok" if figures[name] >= needed else "BELOW"
        print(f"{name:20} {needed:7.2f} {figures[name]:9.4f}  {verdict}", file=out)
    if compared:
        beats_intent = model_macro > macro_f1(gold, compared.intents, INTENTS)
        beats_vader = hostile.f1 > prf([m.hostile for m in messages], compared.hostile).f1
        print(f"{'beats TF-IDF+LR':20} {'':7} {'yes' if beats_intent else 'NO':>9}", file=out)
        print(f"{'beats VADER':20} {'':7} {'yes' if beats_vader else 'NO':>9}", file=out)
    return figures


def _prf_cells(scores: PRF) -> str:
    return f"{scores.precision:6.3f} {scores.recall:6.3f} {scores.f1:6.3f}"
