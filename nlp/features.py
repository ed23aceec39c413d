"""Sparse features for the two classifiers: word and character n-grams plus hand-written cues.

spaCy's bag-of-words classifier feeds raw n-gram counts to a linear layer, so a long email
outvotes its own first sentence and an unseen spelling ("pymnt", "electrcity") is a blank. On
our corpus that trails TF-IDF + logistic regression by several points. This architecture is the
same linear layer over better inputs: word 1-2 grams and character 3-5 grams (within words),
each block scaled to unit length as TF-IDF vectors are, plus cues the rule components found
(a hazard, a shutoff today, profanity, an amount, a permit number...) at full weight. Features
are computed once per document and cached on it.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from spacy.strings import hash_string  # type: ignore[attr-defined]  # Cython, no stub
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Logistic, Model, SparseLinear_v2, chain, softmax_activation

MAX_WORD = 24
"""Longer tokens (URLs, pasted junk) add n-grams but no meaning."""
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]")
_CACHE_LIMIT = 200_000
_WORD_KEYS: dict[tuple[int, int], dict[str, tuple[int, tuple[int, ...]]]] = {}


CUE_GROUPS = ("length", "rules", "entities", "hostility", "sentiment")


def build_sparse_classifier(
    exclusive_classes: bool,
    length: int = 2**19,
    char_ngrams: Sequence[int] = (3, 5),
    cue_groups: Sequence[str] = CUE_GROUPS,
    nO: int | None = None,
) -> Model[list[Doc], Any]:
    """A linear classifier over :func:`features`; ``cue_groups`` picks the cues it may read.

    Dropout here drops whole features during training, which keeps the model from leaning on
    one n-gram where several would do.
    """
    unknown = set(cue_groups) - set(CUE_GROUPS)
    if unknown:
        raise ValueError(f"unknown cue groups {sorted(unknown)}; known: {CUE_GROUPS}")
    extractor: Model[list[Doc], Any] = Model(
        "utility_features",
        _forward,
        attrs={
            "char_min": int(char_ngrams[0]),
            "char_max": int(char_ngrams[1]),
            "cues": list(cue_groups),
        },
    )
    extractor.attrs["dropout_rate"] = 0.0
    linear = SparseLinear_v2(nO=nO, length=length)
    output = softmax_activation() if exclusive_classes else Logistic()
    model: Model[list[Doc], Any] = chain(extractor, linear, output)
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", linear)
    model.attrs["multi_label"] = not exclusive_classes
    return model


registry.architectures.register("utility.SparseFeatures.v1", func=build_sparse_classifier)


def _forward(model: Model[list[Doc], Any], docs: list[Doc], is_train: bool) -> tuple[Any, Any]:
    # Saved models restore attrs from msgpack, as lists: the cache key is rebuilt as a tuple.
    attrs = model.attrs
    settings = (attrs["char_min"], attrs["char_max"], tuple(attrs["cues"]))
    keys = array("Q")
    values = array("f")
    lengths = array("i")
    for doc in docs:
        found = doc._
        if found.features is None:
            found.features = {}
        cached = found.features.get(settings)
        if cached is None:
            cached = found.features[settings] = features(doc, *settings)
        keys.extend(cached[0])
        values.extend(cached[1])
        lengths.append(len(cached[0]))
    xp = model.ops.xp
    batch_keys = xp.asarray(keys, dtype="uint64")
    batch_values = xp.asarray(values, dtype="float32")
    batch_lengths = xp.asarray(lengths, dtype="int32")
    rate = float(model.attrs["dropout_rate"])
    if is_train and rate > 0 and len(batch_values):
        batch_values = batch_values * (xp.random.random(len(batch_values)) >= rate) / (1 - rate)
        batch_values = batch_values.astype("float32")
    return (batch_keys, batch_values, batch_lengths), lambda gradient: []


def features(
    doc: Doc,
    char_min: int = 3,
    char_max: int = 5,
    cue_groups: Sequence[str] = CUE_GROUPS,
) -> tuple[array[int], array[float]]:
    """Hashed feature keys of one document and their values.

    Feature dropout drops by position, so keys must come in the same order in every process:
    they are integers added to sets in a fixed order (a set of strings would iterate in an
    order that changes with each process's string hashing).
    """
    cache = doc._.features
    if cache is None:
        cache = {}
    ngram_key = ("ngrams", char_min, char_max)
    if ngram_key not in cache:
        cache[ngram_key] = _ngrams(doc.text, char_min, char_max)
    word_keys, char_keys, length = cache[ngram_key]
    cue_keys = sorted({_key(cue) for cue in cues(doc, length, cue_groups)})
    keys = array("Q", word_keys)
    keys.extend(char_keys)
    keys.extend(cue_keys)
    values = array("f", [len(word_keys) ** -0.5 if word_keys else 0.0]) * len(word_keys)
    values.extend(array("f", [len(char_keys) ** -0.5 if char_keys else 0.0]) * len(char_keys))
    values.extend(array("f", [1.0]) * len(cue_keys))
    return keys, values


def _ngrams(text: str, char_min: int, char_max: int) -> tuple[set[int], set[int], int]:
    """Word 1-2 gram keys, character n-gram keys, and the number of tokens.

    Tokens come from a regular expression rather than spaCy's tokenizer: the same text always
    gives the same features, and it is several times faster than walking Token objects.
    """
    words = [word[:MAX_WORD] for word in _TOKEN.findall(text)]
    memo = _WORD_KEYS.setdefault((char_min, char_max), {})
    word_keys: set[int] = set()
    char_keys: set[int] = set()
    for word in words:
        found = memo.get(word)
        if found is None:
            found = _word_keys(memo, word, char_min, char_max)
        word_keys.add(found[0])
        char_keys.update(found[1])
    word_keys.update(hash_string(f"b {a} {b}") for a, b in pairwise(words))
    return word_keys, char_keys, len(words)


def _word_keys(
    memo: dict[str, tuple[int, tuple[int, ...]]], word: str, char_min: int, char_max: int
) -> tuple[int, tuple[int, ...]]:
    """A word's own key and its character n-gram keys, memoised: most words recur."""
    padded = f" {word} "
    grams = {
        padded[i : i + size]
        for size in range(char_min, char_max + 1)
        for i in range(len(padded) - size + 1)
    }
    if len(memo) >= _CACHE_LIMIT:
        memo.clear()
    found = memo[word] = (
        hash_string("w " + word),
        tuple(sorted(hash_string("c" + gram) for gram in grams)),
    )
    return found


def _key(feature: str) -> int:
    key: int = hash_string(feature)
    return key


def cues(doc: Doc, length: int, groups: Sequence[str] = CUE_GROUPS) -> list[str]:
    """Names of the hand-written cues, from the chosen groups, that the rule components found."""
    found = []
    rules = doc._  # each doc._ access builds a new accessor: once per document
    if "length" in groups:
        found.append(f"k length {min(length.bit_length(), 7)}")
    if "rules" in groups:
        if rules.hazard is not None:
            found.append("k hazard")
        if rules.urgency is not None:
            found.append("k urgency " + rules.urgency)
    if "entities" in groups and rules.entities is not None:
        found.extend({"k entity " + entity.label for entity in rules.entities})
    hostility = rules.cues
    if "hostility" in groups and hostility is not None:
        for name in ("profanity", "insult", "threat", "repeat", "exasperation"):
            if getattr(hostility, name):
                found.append("k " + name)
        if hostility.shouting >= 0.5:
            found.append("k shouting")
        elif hostility.shouting >= 0.2:
            found.append("k some shouting")
        if hostility.exclamation >= 2:
            found.append("k exclamations")
    if "sentiment" in groups:
        sentiment = float(doc.sentiment)
        if sentiment <= -0.5:
            found.append("k very negative")
        elif sentiment <= -0.05:
            found.append("k negative")
        elif sentiment >= 0.5:
            found.append("k very positive")
    return found
