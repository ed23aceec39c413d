"""Hostility: anger that needs a senior, told apart from plain frustration.

A lexicon sentiment score cannot tell "I'm disappointed" from "you idiots" well, and a text
classifier trained on a few thousand messages has seen only some of the ways people swear,
insult or threaten. Hand-written cues cover those ways; a small logistic model, fitted on
messages the classifier was not trained on, weighs the cues against the classifier's score.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from nlp.findings import findings
from nlp.text import Prepared

_PROFANITY = (
    r"f+u+c+k\w*|motherf\w*|f[*#@$!x]{2,}\w*|f\*+k\w*|fk+in\w*|fcking|fkn|frick(?:in|ing)\w*|frigg\w*"
    r"|sh[i!1*]t\w*|s[h*]{1,2}[*!1]t|bullsh\w+|bs|crap\w*|damn\w*|dammit|goddam\w*|hell"
    r"|ass|a[s$*]{2}hole\w*|asshat|a\*\*|jackass\w*|bastard\w*|bitch\w*|b[i*!]tch|piss\w*"
    r"|wtf|stfu|omfg|ffs|screw (?:you|this|that|off)|screwed|suck(?:s|ed)?|mierda|carajo"
    r"|pendej\w*|chingad\w*|joder"
)
_MASKED = r"(?=[!?]*[@#$%&*])[@#$%&!?*]{4,}"
_INSULT = (
    r"idiot\w*|moron\w*|stupid\w*|dumb\w*|imbecile\w*|incompeten\w*|clowns?|useless|pathetic"
    r"|worthless|brain ?dead|lazy|liars?|lying|crooks?|crooked|thie(?:f|ves)|thieving|scam\w*"
    r"|rip ?off|ripping (?:me|us|people) off|extort\w*|robbery|robbing|criminals?|disgrac\w*"
    r"|fools?|clueless|heartless|geniuses|disgusting|shameful|shame on you|idiotas?|in[uú]tiles?"
    r"|rateros?|ladrones"
)
_EXASPERATION = r"joke|ridiculous|absurd|outrageous|unbelievable|insane|unacceptable|seriously"
"""Words of frustration that polite complaints use too: weaker evidence than an insult."""
_THREAT = (
    r"lawyers?|attorneys?|sue|suing|sued|lawsuit|legal action|(?:to|in) court|small claims"
    r"|class action"
    r"|the news|local news|news (?:station|channel)|reporters?|journalists?|channel \d+|the media"
    r"|tv station|newspaper|the press"
    r"|mayor|council\w*|commissioner|public (?:utilities|service) commission|puc|psc|regulators?"
    r"|bbb|better business bureau|attorney general|senator|congress\w*|representative's office"
    r"|social media|twitter|facebook|yelp|tiktok|go viral"
    r"|(?:bad|terrible|1[- ]star|one[- ]star) reviews?"
    r"|you'?ll (?:regret|be sorry|pay)|watch your back|or else|come down there|coming down there"
    r"|show up at your|abogado|demanda\w*|noticias"
)
_REPEAT = (
    r"(?:third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|umpteenth|nth|hundredth|millionth"
    r"|\d+(?:rd|th))\s+(?:time|call|email|message|request|attempt)"
    r"|(?:[3-9]|\d{2,}|three|four|five|six|seven|eight|nine|ten|twelve|twenty|dozen|a dozen|several"
    r"|multiple|countless|numerous|so many|many)\s+(?:times|calls|emails|messages|attempts)"
    r"|again and again|over and over|every single time|keep (?:calling|emailing|writing)"
    r"|nobody (?:has )?(?:called|answers|responds|cares|listens|helps)|no one (?:has )?(?:called"
    r"|answers|responds|cares|listens|helps)|for the last time|i'?m done|enough is enough|fed up"
    r"|sick (?:and tired|of)|had it with|last straw"
)
# One pass over the (lower-case) classifier text finds every kind of cue.
# Every alternative starts with a word character, so "(?<!\w)" means what a leading "\b" would;
# Python's engine runs the lookbehind form of these large alternations markedly faster.
_CUES = re.compile(
    rf"(?<!\w)(?:(?P<profanity>{_PROFANITY})|(?P<insult>{_INSULT})|(?P<threat>{_THREAT})"
    rf"|(?P<repeat>{_REPEAT})|(?P<exasperation>{_EXASPERATION}))\b|(?P<masked>{_MASKED})"
)
_EMPHASIS = re.compile(r"[!?]{2,}|!")

FEATURES: tuple[str, ...] = (
    "classifier",
    "profanity",
    "insult",
    "threat",
    "repeat",
    "shouting",
    "exclamation",
    "negativity",
    "exasperation",
)


@dataclass(frozen=True, slots=True)
class Cues:
    """Counts of hand-written hostility cues in the customer's own words."""

    profanity: int
    insult: int
    threat: int
    repeat: int
    shouting: float
    exclamation: int
    exasperation: int = 0

    @classmethod
    def of(cls, prepared: Prepared) -> Cues:
        text = prepared.classifier.text
        shouting = (
            prepared.caps_words / prepared.long_words
            if prepared.caps_words >= 2 and prepared.long_words
            else 0.0
        )
        counts: Counter[str | None] = Counter()  # filled in a loop: Counter(iterable) costs more
        for match in _CUES.finditer(text):
            counts[match.lastgroup] += 1
        return cls(
            profanity=counts["profanity"] + counts["masked"],
            insult=counts["insult"],
            threat=counts["threat"],
            repeat=counts["repeat"],
            exasperation=counts["exasperation"],
            shouting=shouting,
            exclamation=len(_EMPHASIS.findall(prepared.body)),
        )


_NO_CUES = Cues(profanity=0, insult=0, threat=0, repeat=0, shouting=0.0, exclamation=0)


def features(cues: Cues | None, classifier_score: float, sentiment: float) -> list[float]:
    """Inputs of the combining model, in the order of :data:`FEATURES`, each roughly in 0..3;
    ``cues`` is None where the cue component did not run."""
    if cues is None:
        cues = _NO_CUES
    score = min(max(classifier_score, 1e-4), 1 - 1e-4)
    return [
        math.log(score / (1 - score)) / 3,
        min(cues.profanity, 3),
        min(cues.insult, 3),
        min(cues.threat, 3),
        min(cues.repeat, 3),
        cues.shouting * 2,
        min(cues.exclamation, 3) / 3,
        max(-sentiment, 0.0) * 2,
        min(cues.exasperation, 3),
    ]


@dataclass(frozen=True, slots=True)
class HostilityModel:
    """Logistic combination of :func:`features`; ``weights[0]`` is the bias."""

    weights: tuple[float, ...]
    threshold: float

    def probability(self, values: Sequence[float]) -> float:
        z = self.weights[0] + sum(w * x for w, x in zip(self.weights[1:], values, strict=True))
        return 1 / (1 + math.exp(-max(min(z, 30.0), -30.0)))

    @classmethod
    def fit(
        cls,
        rows: Sequence[Sequence[float]],
        labels: Sequence[bool],
        *,
        l2: float = 0.01,
        epochs: int = 2000,
        learn_rate: float = 0.5,
    ) -> HostilityModel:
        """Full-batch gradient descent: a few hundred rows and eight features need nothing more,
        and it is deterministic. The threshold maximises F1 on the same rows."""
        width = len(FEATURES) + 1
        weights = [0.0] * width
        inputs = [[1.0, *row] for row in rows]
        targets = [1.0 if label else 0.0 for label in labels]
        for _ in range(epochs):
            gradient = [l2 * w for w in weights]
            gradient[0] = 0.0
            for x, y in zip(inputs, targets, strict=True):
                z = sum(w * v for w, v in zip(weights, x, strict=True))
                error = 1 / (1 + math.exp(-max(min(z, 30.0), -30.0))) - y
                for i, v in enumerate(x):
                    gradient[i] += error * v / len(inputs)
            weights = [w - learn_rate * g for w, g in zip(weights, gradient, strict=True)]
        model = cls(tuple(weights), 0.5)
        scores = [model.probability(row) for row in rows]
        return cls(tuple(weights), best_f1_threshold(scores, labels))


def best_f1_threshold(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """The cut between two adjacent scores that gives the best F1 (midpoint, for stability)."""
    ranked = sorted(zip(scores, labels, strict=True), reverse=True)
    positives = sum(labels)
    if not positives:
        return 0.5
    best, best_threshold, hits = -1.0, 0.5, 0
    for index, (score, label) in enumerate(ranked):
        hits += label
        following = ranked[index + 1][0] if index + 1 < len(ranked) else 0.0
        if following == score:
            continue
        f1 = 2 * hits / (index + 1 + positives)
        if f1 > best:
            best, best_threshold = f1, (score + following) / 2
    return best_threshold


@Language.factory("hostility_cues")
def make_hostility_cues(nlp: Language, name: str) -> HostilityCues:
    return HostilityCues()


class HostilityCues:
    """Pipeline component: sets the findings' ``cues`` for the decision step."""

    def __call__(self, doc: Doc) -> Doc:
        found = findings(doc)
        found.cues = Cues.of(found.source)
        return doc
