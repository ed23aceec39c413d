"""Building ``nlp/model`` from the corpus and ``config.cfg`` (``python -m nlp train``).

The classifiers learn from the ``fit`` part of the training split. The ``tune`` part, which they
never see, picks each classifier's best epoch and fits the decisions (urgent threshold, the
hostility combination), so those are chosen on honest scores. ``dev`` is not touched here.
The model is written to a temporary directory and moved into place only when complete.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TextIO, cast

import spacy
from spacy.language import Language
from spacy.pipeline import TextCategorizer
from spacy.tokens import Doc
from spacy.training import Example
from thinc.api import fix_random_seed

from nlp import corpus
from nlp.analysis import INTENTS
from nlp.decision import FALLBACK_INTENT, HOSTILE, URGENT, Calibration, Decision
from nlp.findings import findings
from nlp.hostility import HostilityModel, features
from nlp.metrics import average_precision, macro_f1, prf
from nlp.pipeline import (
    DECISION_COMPONENT,
    FLAGS_COMPONENT,
    INTENT_COMPONENT,
    build,
    load_config,
    make_doc,
    rule_components,
)

REPORT_FILE = "training.json"
_URGENT_THRESHOLD_RANGE = (0.05, 0.6)
_INTENT_THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)


class TrainingError(RuntimeError):
    """The corpus or config cannot produce a model."""


def train(
    output: Path,
    *,
    config_path: Path | None = None,
    corpus_dir: Path = corpus.CORPUS_DIR,
    log: TextIO = sys.stdout,
) -> dict[str, Any]:
    """Train, calibrate and save a model to ``output``; returns the training report."""
    started = time.perf_counter()
    config = load_config(config_path) if config_path else load_config()
    messages = corpus.load_corpus(corpus_dir)
    found = corpus.problems(messages)
    if found:
        raise TrainingError("corpus problems:\n  " + "\n  ".join(found[:20]))
    parts = corpus.split(messages)
    if not parts.fit or not parts.tune:
        raise TrainingError(f"corpus in {corpus_dir} is too small to train on")
    _say(
        log,
        f"corpus: {len(messages)} messages; fit {len(parts.fit)}, tune {len(parts.tune)}, "
        f"dev {len(parts.dev)} (not used here)",
    )
    clock = _Clock(started, log)
    pipeline, best = _fit(config, parts.fit, clock, tune=parts.tune)
    epochs = {name: epoch for name, (_, epoch) in best.items()}
    _say(log, f"best epochs on tune: {epochs}")
    calibration = _calibrate(pipeline, parts.tune, config["decision"])
    _say(log, f"calibration: {json.dumps(calibration.to_json())}")
    if config["training"]["refit"]:
        _say(log, f"refit on fit + tune ({len(parts.train)} messages) for the best epochs")
        pipeline, _ = _fit(config, parts.train, clock, epochs=epochs)
    decision = cast(Decision, pipeline.add_pipe("utility_decision", name=DECISION_COMPONENT))
    decision.calibration = calibration
    report = {
        "corpus_messages": len(messages),
        "split": {"fit": len(parts.fit), "tune": len(parts.tune), "dev": len(parts.dev)},
        "best_epoch": epochs,
        "tune": {
            "intent_macro_f1": round(best[INTENT_COMPONENT][0], 4),
            "flags_mean_average_precision": round(best[FLAGS_COMPONENT][0], 4),
        },
        "refit": bool(config["training"]["refit"]),
        "seconds": round(time.perf_counter() - started, 1),
    }
    _save(pipeline, output, report)
    _say(log, f"model saved to {output} in {report['seconds']:.0f}s")
    return report


@dataclass(frozen=True, slots=True)
class _Clock:
    started: float
    log: TextIO

    def say(self, line: str) -> None:
        _say(self.log, f"{line}  {time.perf_counter() - self.started:5.0f}s")


def _fit(
    config: Any,
    messages: Sequence[corpus.Message],
    clock: _Clock,
    *,
    tune: Sequence[corpus.Message] = (),
    epochs: dict[str, int] | None = None,
) -> tuple[Language, dict[str, tuple[float, int]]]:
    """A pipeline with both classifiers trained on ``messages``.

    With ``tune``, each classifier keeps its best epoch on it and training stops when neither
    has improved for ``patience`` epochs. With ``epochs``, each trains for exactly that many.
    """
    settings = config["training"]
    seed = int(settings["seed"])
    fix_random_seed(seed)
    pipeline = build(config)
    docs = _with_rules(pipeline, messages)
    examples = {
        INTENT_COMPONENT: [
            Example.from_dict(doc, {"cats": {label: float(label == m.intent) for label in INTENTS}})
            for doc, m in zip(docs, messages, strict=True)
        ],
        FLAGS_COMPONENT: [
            Example.from_dict(doc, {"cats": {URGENT: float(m.urgent), HOSTILE: float(m.hostile)}})
            for doc, m in zip(docs, messages, strict=True)
        ],
    }
    components = {name: cast(TextCategorizer, pipeline.get_pipe(name)) for name in examples}
    for name, labels in ((INTENT_COMPONENT, list(INTENTS)), (FLAGS_COMPONENT, [URGENT, HOSTILE])):
        components[name].initialize(partial(list, examples[name]), nlp=pipeline, labels=labels)
    optimizer = spacy.util.registry.resolve({"optimizer": settings["optimizer"]})["optimizer"]
    batcher = spacy.util.registry.resolve({"batcher": settings["batcher"]})["batcher"]
    tune_docs = _with_rules(pipeline, tune)
    best = {name: (-1.0, 0) for name in components}
    snapshots = {name: b"" for name in components}
    last_epoch = max(epochs.values()) if epochs else int(settings["max_epochs"])
    order = list(range(len(docs)))
    shuffler = random.Random(seed)
    for epoch in range(1, last_epoch + 1):
        shuffler.shuffle(order)
        losses: dict[str, float] = {}
        training = [n for n in components if epochs is None or epoch <= epochs[n]]
        for batch in batcher(order):
            for name in training:
                components[name].update(
                    [examples[name][i] for i in batch],
                    drop=float(settings["dropout"]),
                    sgd=optimizer,
                    losses=losses,
                )
        line = f"epoch {epoch:2d}  loss " + " ".join(f"{n} {v:.3f}" for n, v in losses.items())
        if tune:
            with pipeline.use_params(optimizer.averages):
                scores = _tune_scores(pipeline, tune_docs, tune)
                for name, score in scores.items():
                    if score > best[name][0]:
                        best[name] = (score, epoch)
                        snapshots[name] = components[name].to_bytes()
            line += (
                f"  tune: intent macro-F1 {scores[INTENT_COMPONENT]:.3f}, "
                f"urgent/hostile mean AP {scores[FLAGS_COMPONENT]:.3f}"
            )
        clock.say(line)
        stale = [epoch - best_epoch >= int(settings["patience"]) for _, best_epoch in best.values()]
        if tune and all(stale):
            clock.say(f"no improvement on tune for {settings['patience']} epochs: stopping")
            break
    if tune:
        for name, component in components.items():
            component.from_bytes(snapshots[name])
    else:
        with pipeline.use_params(optimizer.averages):
            snapshots = {name: component.to_bytes() for name, component in components.items()}
        for name, component in components.items():
            component.from_bytes(snapshots[name])
    return pipeline, best


def _tune_scores(
    pipeline: Language, docs: Sequence[Doc], tune: Sequence[corpus.Message]
) -> dict[str, float]:
    """Threshold-free scores for early stopping: intent macro-F1 of the top score, and the
    mean average precision of the urgent and hostile scores."""
    intent = cast(TextCategorizer, pipeline.get_pipe(INTENT_COMPONENT))
    flags = cast(TextCategorizer, pipeline.get_pipe(FLAGS_COMPONENT))
    scored = list(flags.pipe(intent.pipe(docs)))
    return {
        INTENT_COMPONENT: macro_f1([m.intent for m in tune], [_top(d) for d in scored], INTENTS),
        FLAGS_COMPONENT: (
            average_precision([m.urgent for m in tune], [d.cats[URGENT] for d in scored])
            + average_precision([m.hostile for m in tune], [d.cats[HOSTILE] for d in scored])
        )
        / 2,
    }


def _with_rules(pipeline: Language, messages: Sequence[corpus.Message]) -> list[Doc]:
    """Docs as the classifiers see them at run time: with the rule components' findings."""
    with pipeline.select_pipes(enable=rule_components(pipeline)):
        return list(pipeline.pipe(make_doc(pipeline, m.text, m.channel) for m in messages))


def _top(doc: Doc) -> str:
    return max(INTENTS, key=lambda label: doc.cats[label])


def _calibrate(pipeline: Language, tune: Sequence[corpus.Message], settings: Any) -> Calibration:
    """Fit the decision step on tuning messages, through the same pipeline as at run time."""
    docs = list(pipeline.pipe(make_doc(pipeline, m.text, m.channel) for m in tune))
    urgent_threshold = _urgent_threshold(
        docs, [m.urgent for m in tune], float(settings["urgent_recall_weight"])
    )
    rows = [features(findings(doc).cues, doc.cats[HOSTILE], float(doc.sentiment)) for doc in docs]
    hostility = HostilityModel.fit(rows, [m.hostile for m in tune])
    return Calibration(
        intent_threshold=_intent_threshold(docs, [m.intent for m in tune]),
        urgent_threshold=urgent_threshold,
        hostility=hostility,
    )


def _intent_threshold(docs: Sequence[Doc], gold: Sequence[str]) -> float:
    """The highest top-score threshold, below which the intent is reported as the fallback,
    that costs the tuning set no macro-F1: uncertain results say so, without losing answers."""
    best_threshold, best_score = _INTENT_THRESHOLDS[0], -1.0
    for threshold in _INTENT_THRESHOLDS:
        predicted = [
            _top(doc) if doc.cats[_top(doc)] >= threshold else FALLBACK_INTENT for doc in docs
        ]
        score = macro_f1(gold, predicted, INTENTS)
        if score >= best_score:
            best_threshold, best_score = threshold, score
    return best_threshold


def _urgent_threshold(docs: Sequence[Doc], gold: Sequence[bool], beta: float) -> float:
    """The urgent score threshold that, with the rules, maximises F-beta on the tuning set.

    Missing an urgent contact is the costly error, so recall weighs beta squared times more
    than precision. The threshold sits halfway between the lowest score it must catch and the
    next lower one, not on it, so a slightly less sure new message is still caught. The range
    keeps a few odd tuning messages from pushing it to zero or above an even chance.
    """
    low, high = _URGENT_THRESHOLD_RANGE
    always = [
        (found := findings(doc)).hazard is not None
        or found.urgency is not None
        or _top(doc) == "emergency"
        for doc in docs
    ]
    scores = [doc.cats[URGENT] for doc in docs]
    candidates = sorted({s for s in scores if low < s < high} | {low, high})
    best_index, best_score = len(candidates) - 1, -1.0
    for index, threshold in enumerate(candidates):
        predicted = [a or s >= threshold for a, s in zip(always, scores, strict=True)]
        result = prf(gold, predicted)
        denominator = beta**2 * result.precision + result.recall
        score = (1 + beta**2) * result.precision * result.recall / denominator if denominator else 0
        if score > best_score:
            best_index, best_score = index, score
    if best_index == 0:
        return low
    return round((candidates[best_index] + candidates[best_index - 1]) / 2, 4)


def _save(pipeline: Language, output: Path, report: dict[str, Any]) -> None:
    """Write next to ``output`` and move into place, so a failed save leaves no half model
    that ``make`` would take for a built one."""
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(output.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        pipeline.to_disk(staging)
        (staging / REPORT_FILE).write_text(json.dumps(report, indent=2) + "\n")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if output.exists():
        shutil.rmtree(output)
    staging.rename(output)


def _say(log: TextIO, line: str) -> None:
    print(line, file=log, flush=True)
