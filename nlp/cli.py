"""``python -m nlp``: analyse JSON lines, evaluate on labelled messages, train, benchmark."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from nlp import corpus
from nlp.model import DEFAULT_MODEL_DIR, ModelNotFoundError, NlpModel


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp", description="Intent, urgency, hostility, sentiment and entities."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    analyze = commands.add_parser(
        "analyze",
        help="analyse JSON lines from stdin",
        description='Read JSON lines {"text": ..., "channel": ...} on stdin; write each with '
        "intent, intent_confidence, urgent, hostile, sentiment and entities added. A line "
        "that is not valid UTF-8 JSON gets an output line with an 'error' field instead.",
    )
    analyze.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR, help="model directory")

    evaluate = commands.add_parser(
        "evaluate",
        help="score the model on labelled messages",
        description="Print per-intent precision/recall/F1, a confusion matrix, urgent and "
        "hostile scores for labelled JSON lines (corpus format), or for a corpus split.",
    )
    evaluate.add_argument("files", nargs="*", type=Path, help="labelled JSON-lines files")
    evaluate.add_argument(
        "--split",
        choices=("dev", "tune", "fit"),
        default="dev",
        help="corpus split to score when no files are given (default: dev)",
    )
    evaluate.add_argument("--corpus", type=Path, default=corpus.CORPUS_DIR)
    evaluate.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    evaluate.add_argument(
        "--baselines",
        action="store_true",
        help="also train and score TF-IDF+LR (intent) and VADER alone (hostile); needs the "
        "dev extra (scikit-learn)",
    )

    train = commands.add_parser(
        "train",
        help="build the model from the corpus",
        description="Train on the corpus' training split and write the model directory.",
    )
    train.add_argument("--output", type=Path, default=DEFAULT_MODEL_DIR)
    train.add_argument("--config", type=Path, default=None, help="default: nlp/config.cfg")
    train.add_argument("--corpus", type=Path, default=corpus.CORPUS_DIR)

    bench = commands.add_parser(
        "bench",
        help="measure speed and memory on one core",
        description="Print throughput, latency, load time and memory next to their targets.",
    )
    bench.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    bench.add_argument("--corpus", type=Path, default=corpus.CORPUS_DIR)
    bench.add_argument(
        "--unseen",
        type=Path,
        default=corpus.INDEPENDENT_FILE,
        help="messages not trained on, whose throughput is printed too (default: %(default)s)",
    )

    args = parser.parse_args(argv)
    try:
        if args.command == "analyze":
            model = NlpModel.load(args.model)
            analyze_lines(model, sys.stdin.buffer, sys.stdout.buffer)
        elif args.command == "evaluate":
            _evaluate(args)
        elif args.command == "train":
            from nlp.train import TrainingError
            from nlp.train import train as run_training

            try:
                run_training(args.output, config_path=args.config, corpus_dir=args.corpus)
            except TrainingError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
        else:
            from nlp.bench import run

            run(args.model, args.corpus, args.unseen if args.unseen.is_file() else None)
    except (ModelNotFoundError, corpus.CorpusError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def analyze_lines(model: NlpModel, source: BinaryIO, sink: BinaryIO) -> None:
    """One output line per non-blank input line; a bad line gets an ``error`` line instead of
    ending the stream."""
    for number, raw in enumerate(source, 1):
        if not raw.strip():
            continue
        sink.write(_encode(_analyze_line(model, raw, number)))
        sink.flush()


def _analyze_line(model: NlpModel, raw: bytes, number: int) -> dict[str, Any]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return {"error": f"invalid UTF-8: {error.reason} at byte {error.start}", "line": number}
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        return {"error": f"invalid JSON: {error.msg} at column {error.colno}", "line": number}
    if not isinstance(data, dict):
        return {"error": "expected a JSON object", "line": number}
    text, channel = data.get("text"), data.get("channel")
    if not isinstance(text, str):
        return data | {"error": "field 'text' must be a string", "line": number}
    if channel is not None and not isinstance(channel, str):
        return data | {"error": "field 'channel' must be a string or null", "line": number}
    return data | model.analyze(text, channel).to_dict()


def _encode(record: dict[str, Any]) -> bytes:
    # Lone surrogates (from "\ud800" escapes in the input) become JSON escapes again.
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")


def _evaluate(args: argparse.Namespace) -> None:
    from nlp.evaluate import baselines, predict, report

    model = NlpModel.load(args.model)
    parts = None  # the corpus is needed for a split and to train the baselines
    if args.baselines or not args.files:
        parts = corpus.split(corpus.load_corpus(args.corpus))
    if args.files:
        tested, source = corpus.load(args.files), ", ".join(map(str, args.files))
    else:
        tested, source = getattr(parts, args.split), f"corpus split '{args.split}'"
    print(f"evaluating {args.model} on {source}", flush=True)
    compared = baselines(parts.train, tested) if parts is not None and args.baselines else None
    report(tested, predict(model, tested), sys.stdout, compared)
