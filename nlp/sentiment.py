"""Sentiment from VADER's lexicon, which ships with its package and needs no training data.

VADER reads capitals and exclamation marks as intensity, so it is given the customer's words
as written, not the lower-cased classifier view.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from nlp.findings import findings


@Language.factory("vader_sentiment")
def make_vader_sentiment(nlp: Language, name: str) -> VaderSentiment:
    return VaderSentiment()


class VaderSentiment:
    """Pipeline component: sets ``doc.sentiment`` to VADER's compound score (-1..1)."""

    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()

    def __call__(self, doc: Doc) -> Doc:
        body = findings(doc).source.body
        doc.sentiment = float(self._analyzer.polarity_scores(body)["compound"]) if body else 0.0
        return doc
