"""Speed and memory of the analysis on one core (``python -m nlp bench``, ``make bench-nlp``).

Figures, not a pass/fail test: timings depend on the machine and its load, so they are printed
next to their targets for a person (or CI log) to read. The process pins itself to one CPU and
counts the CPU time it used as well as the wall time: on a machine shared with other work the
wall figures grow with the load, while CPU time is what "per core" means. The load average is
printed so the wall figures can be read in context.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from nlp import corpus
from nlp.model import NlpModel

SHORT_MESSAGE = 160
"""Characters: an SMS or a chat line, the bulk of contact-centre traffic."""
BATCH_MESSAGES = 5000
LATENCY_CALLS = 1000
TARGETS = {
    "batch throughput (msg/s, one core)": (2000.0, ">="),
    "single message p99 (ms)": (5.0, "<="),
    "model load (s)": (2.0, "<="),
    "peak RSS (MB)": (300.0, "<="),
}


def run(model_path: Path, corpus_dir: Path, unseen: Path | None = None) -> dict[str, float]:
    """Measure and print; returns the figures keyed like :data:`TARGETS`.

    ``unseen`` is a file of messages the model was not trained on (the independent set): their
    words are new to the vocabulary, as a live gateway's are, so their throughput is printed
    too, for information.
    """
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    started = time.perf_counter()
    model = NlpModel.load(model_path)
    load_seconds = time.perf_counter() - started

    short = _short(corpus.load_corpus(corpus_dir))
    if not short:
        raise corpus.CorpusError(
            f"no message of at most {SHORT_MESSAGE} characters in {corpus_dir}"
        )
    batch, batch_channels = _batch(short)
    model.analyze_many(batch[:500], batch_channels[:500])
    throughput_wall, throughput_cpu = _throughput(model, batch, batch_channels)
    unseen_short = _short(corpus.load([unseen])) if unseen else []
    unseen_cpu = _throughput(model, *_batch(unseen_short))[1] if unseen_short else None

    latencies_wall, latencies_cpu = [], []
    for text, channel in zip(batch[:LATENCY_CALLS], batch_channels, strict=False):
        wall, cpu = _timed(partial(model.analyze, text, channel))
        latencies_wall.append(wall * 1000)
        latencies_cpu.append(cpu * 1000)
    p99_cpu = statistics.quantiles(latencies_cpu, n=100)[98]
    p99_wall = statistics.quantiles(latencies_wall, n=100)[98]

    long_wall, _ = _timed(lambda: model.analyze("My bill is wrong and nobody answers. " * 30_000))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "batch throughput (msg/s, one core)": throughput_cpu,
        "single message p99 (ms)": p99_cpu,
        "model load (s)": load_seconds,
        "peak RSS (MB)": peak_mb,
    }
    print(
        f"{len({m.text for m in short})} distinct short messages (<= {SHORT_MESSAGE} chars) "
        "from the corpus, each with its channel"
    )
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; pinned to one CPU")
    print(f"{'figure':38} {'measured':>10} {'target':>10}")
    for name, value in figures.items():
        bound, relation = TARGETS[name]
        ok = value >= bound if relation == ">=" else value <= bound
        print(
            f"{name:38} {value:10.2f} {relation + ' ' + format(bound, 'g'):>10}  "
            f"{'ok' if ok else 'MISSED'}"
        )
    if unseen_cpu is not None:
        print(
            f"{'batch throughput, unseen messages':38} {unseen_cpu:10.2f}  "
            f"({len(unseen_short)} short messages of {unseen.name if unseen else ''})"
        )
    print("throughput and p99 above are per CPU-second; wall-clock on this machine now:")
    print(f"{'  batch throughput (msg/s, wall)':38} {throughput_wall:10.2f}")
    print(f"{'  single message p99 (ms, wall)':38} {p99_wall:10.2f}")
    print(f"{'  single message p50 (ms, wall)':38} {statistics.median(latencies_wall):10.2f}")
    print(f"{'  1 MB message (ms, wall)':38} {long_wall * 1000:10.2f}")
    return figures


def _short(messages: list[corpus.Message]) -> list[corpus.Message]:
    return [m for m in messages if len(m.text) <= SHORT_MESSAGE]


def _batch(messages: list[corpus.Message]) -> tuple[list[str], list[str | None]]:
    """:data:`BATCH_MESSAGES` texts and channels, the messages repeated in order."""
    repeat = BATCH_MESSAGES // len(messages) + 1
    chosen = (messages * repeat)[:BATCH_MESSAGES]
    return [m.text for m in chosen], [m.channel for m in chosen]


def _throughput(
    model: NlpModel, texts: list[str], channels: list[str | None]
) -> tuple[float, float]:
    """Messages per wall second and per CPU second, each the best of three runs, as timeit
    does: noise from other work only ever slows a run down."""
    runs = [_timed(lambda: model.analyze_many(texts, channels)) for _ in range(3)]
    return len(texts) / min(wall for wall, _ in runs), len(texts) / min(cpu for _, cpu in runs)


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu
