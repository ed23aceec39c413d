"""Loading the built model and analysing text with it.

The gateway loads the model once at start-up (:func:`load`), so a missing model fails there
with a clear message instead of on the first customer message. :func:`analyze` and
:func:`analyze_many` load the default model lazily, once per process, for scripts and the CLI.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from nlp.analysis import Analysis
from nlp.findings import findings
from nlp.pipeline import DECISION_COMPONENT, make_doc

DEFAULT_MODEL_DIR = Path(__file__).parent / "model"
BATCH_SIZE = 256


class ModelNotFoundError(FileNotFoundError):
    """No usable model at the given path."""

    def __init__(self, path: Path, reason: str = "no model") -> None:
        super().__init__(f"{reason} at {path}: build it with `make model`")
        self.path = path


class NlpModel:
    """A loaded analysis pipeline, safe to share between threads.

    Every analysis runs in a spaCy memory zone: the words of each message would otherwise stay
    in the vocabulary for ever, and a long-running gateway sees endless new ones (account
    numbers, names, typos). Zones must not overlap, so analyses take turns; the components are
    Python code holding the GIL nearly throughout, so threads lose little parallelism by it.
    """

    def __init__(self, pipeline: Language) -> None:
        self._pipeline = pipeline
        self._zone = threading.Lock()

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL_DIR) -> NlpModel:
        if not (path / "meta.json").is_file():
            raise ModelNotFoundError(path)
        pipeline = spacy.load(path)
        if DECISION_COMPONENT not in pipeline.pipe_names:
            raise ModelNotFoundError(path, "an incomplete model (no decision step)")
        return cls(pipeline)

    def analyze(self, text: str, channel: str | None = None) -> Analysis:
        """Analyse one message; never raises on any text (empty, huge, emoji, any language)."""
        with self._zone, self._pipeline.memory_zone():
            doc = self._pipeline(make_doc(self._pipeline, text, channel))
            return _analysis(doc)

    def analyze_many(
        self, texts: Sequence[str], channels: Sequence[str | None] | None = None
    ) -> list[Analysis]:
        """Analyse a batch; much faster per message than :meth:`analyze` in a loop."""
        if channels is not None and len(channels) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(channels)} channels")
        kinds: Iterable[str | None] = channels if channels is not None else [None] * len(texts)
        docs = (make_doc(self._pipeline, t, c) for t, c in zip(texts, kinds, strict=True))
        with self._zone, self._pipeline.memory_zone():
            return [_analysis(doc) for doc in self._pipeline.pipe(docs, batch_size=BATCH_SIZE)]


def _analysis(doc: Doc) -> Analysis:
    result = findings(doc).analysis
    if result is None:
        raise RuntimeError("no analysis: the pipeline ran without its decision step")
    return result


_default: NlpModel | None = None
_default_lock = threading.Lock()


def load(path: Path = DEFAULT_MODEL_DIR) -> NlpModel:
    """Load a model; raises :class:`ModelNotFoundError` naming ``make model`` if it is missing."""
    return NlpModel.load(path)


def default_model() -> NlpModel:
    """The model in ``nlp/model``, loaded on first use and then shared by the process."""
    global _default
    with _default_lock:
        if _default is None:
            _default = NlpModel.load()
        return _default


def analyze(text: str, channel: str | None = None) -> Analysis:
    return default_model().analyze(text, channel)


def analyze_many(
    texts: Sequence[str], channels: Sequence[str | None] | None = None
) -> list[Analysis]:
    return default_model().analyze_many(texts, channels)
