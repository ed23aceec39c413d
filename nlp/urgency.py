"""Urgency beyond hazards: a vulnerable person without service, a shutoff happening now, or
someone who drank the water during a boil-water notice.

The labelling guidelines define these two cases precisely, and they are rare in any corpus, so
rules that follow the definition generalise better than a classifier that has seen a few dozen
examples. Both rules look within one sentence, so "the power is fine, I just want him on the
medical list" does not fire.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from nlp.findings import findings

# Every alternative starts with a word character, so "(?<!\w)" means what a leading "\b" would;
# Python's engine runs the lookbehind form of these large alternations markedly faster.
_VULNERABLE = re.compile(
    r"(?<!\w)(?:oxygen|o2|concentrator|dialysis|haemodialysis|hemodialysis|ventilator|vent|cpap|bipap"
    r"|life[- ]support|medical (?:equipment|device|machine)|feeding (?:pump|tube)|suction machine"
    r"|nebuli[sz]er|insulin|infusion pump|apnea monitor|home health|hospice|bedridden|bed-?bound"
    r"|chemo\w*|newborns?|new born|infants?|(?:baby|babies)|twins|toddlers?"
    r"|\d{1,2}[ -]?(?:wk|week|month)s?[ -]old"
    r"|elderly|disabled|disability|wheelchair|pregnant"
    r"|(?:[7-9]\d|1[01]\d)[ -]?(?:yrs?|years?)?[ -]?old"
    r"|(?:i'?m|i am|she'?s|he'?s|she is|he is|is|aged?) (?:[7-9]\d|1[01]\d)\b|grandma|grandmother"
    r"|grandpa|grandfather|seniors?|ox[ií]geno|concentrador|di[aá]lisis|beb[eé]s?|anciano|anciana"
    r"|ancianos)\b",
)
_EQUIPMENT = (
    r"(?:concentrator|ventilator|cpap|bipap|nebuli[sz]er|machine|pump|ac|a/c|air conditioner"
    r"|air conditioning|window unit|heater|furnace|heat)"
)
_LOSS = re.compile(
    r"\b(?:no|without|lost|losing|out of) (?:working |running )?(?:power|heat|heating|water"
    r"|electricity|electric|gas|ac|a/c|air conditioning|lights?|sewer)\b"
    r"|(?<!planned )(?<!scheduled )\boutages?\b"
    r"|\b(?:tank|cylinder|oxygen|o2)(?:'s| is| are)? (?:almost |nearly |about |getting )?"
    r"(?:empty|low|out|running out)\b"
    r"|\b(?:power|electricity|electric|water|gas|heat|lights?|ac)(?:'s| is| has| got| was| were)?"
    r" (?:just )?(?:out|off|gone|cut off|shut off|turned off|went out|been out|been off"
    r"|disconnected|down)\b"
    r"|\bblackout|\bon (?:the )?battery|\bbattery (?:is |at |says |backup)"
    r"|\b(?:was|were|got|been|is|are|just) (?:shut|cut|turned|switched) off"
    r"|\bdisconnected (?:me|us)"
    rf"|\b{_EQUIPMENT}\b(?:\W+\w+){{0,3}}?\W+(?:fried|broke|broken|died|dead|quit|stopped working"
    r"|not working|won'?t (?:work|turn on))|\b(?:fried|broke|killed|blew) (?:\w+ ){0,3}"
    rf"{_EQUIPMENT}|\blast (?:tank|cylinder|bottle)|\brunning (?:out|low) (?:of|on) oxygen"
    r"|\b(?:was|were|got|been) disconnected|\bsin (?:luz|agua|gas|calefacci[oó]n)\b"
    r"|\bse (?:fue|cort[oó]|acab[oó]) (?:la |el )?(?:luz|agua|gas|electricidad|corriente)\b"
    r"|\bno (?:hay|tenemos|tengo) (?:luz|agua|gas|electricidad|corriente|calefacci[oó]n)\b"
    r"|\bapag[oó]n\b",
)
_SHUTOFF = re.compile(
    r"\b(?:shut\w* (?:\w+ ){0,2}off|shut ?offs?|shut-offs?|disconnect\w*|cut\w* (?:\w+ ){0,2}off"
    r"|cut (?:it|them)|turn\w* (?:\w+ ){0,2}off|lock on (?:my|the) meter|pulls? (?:my|the) meter"
    r"|corte\w*|cortar|cortan|desconect\w*)\b",
)
_TODAY = re.compile(
    r"\b(?:today|2day|tonight|this (?:morning|afternoon|evening)|right now|at (?:my|the) door"
    r"|(?:is|are|guys?|man|truck|crew) here|here now|outside (?:my|the) house|in (?:an|1|one|2|two)"
    r" (?:hr|hour|hours|hrs)|by [1-9](?: ?pm)?|at [1-9] ?pm|hoy|ahora mismo)\b",
)
_LATER = re.compile(
    r"\bback on\b|\b(?:shut ?off|shut off|disconnect\w*|cut off|notice)\s+(?:\w+\s+){0,2}"
    r"(?:tomorrow|next"
    r"|on the \d+|for the \d+|on \w+day)\b",
)
_VULNERABLE_PERSON = re.compile(
    r"\(\s*(?:[7-9]\d|1[01]\d)\s*\)|\b(?:'s|is|aged?) (?:[7-9]\d|1[01]\d)\b|breathing machine",
)
_BOIL_NOTICE = re.compile(r"\bboil(?:[- ]water)? (?:notice|advisory|order|alert)|\bboil[- ]water\b")
_DRANK = re.compile(
    r"\b(?:drank|drunk|been drinking|swallowed|made (?:the )?(?:formula|bottles?) with)\b"
)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?\n]+|$)")
_NOT_NOW = re.compile(
    r"\b(?:is fine|are fine|works fine|managing|we'?re (?:ok|okay|fine)|just want|in case|where you"
    r"|nobody (?:here )?(?:is )?on|no one (?:here )?(?:is )?on"
    r"|last (?:week|month|year|winter|summer)|not (?:as )?urgent|treat this as urgent"
    r"|not an emergency|today'?s the|it'?s the \w+ today)\b",
)


def find_urgency(text: str) -> str | None:
    """Why ``text`` is urgent under the two rules, or None; ``text`` is the classifier view."""
    if _BOIL_NOTICE.search(text) and _DRANK.search(text):
        return "drank water under a boil notice"
    if not (_SHUTOFF.search(text) or _VULNERABLE.search(text) or _VULNERABLE_PERSON.search(text)):
        return None
    sentences = [m.group() for m in _SENTENCE.finditer(text)]
    for index, sentence in enumerate(sentences):
        if _NOT_NOW.search(sentence):
            continue
        if _SHUTOFF.search(sentence) and _TODAY.search(sentence) and not _LATER.search(sentence):
            return "shutoff today"
        window = " ".join(sentences[max(0, index - 1) : index + 2])
        vulnerable = _VULNERABLE.search(sentence) or _VULNERABLE_PERSON.search(sentence)
        if vulnerable and _LOSS.search(window) and not _NOT_NOW.search(window):
            return "vulnerable person without service"
    return None


@Language.factory("urgency_rules")
def make_urgency_rules(nlp: Language, name: str) -> UrgencyRules:
    return UrgencyRules()


class UrgencyRules:
    """Pipeline component: sets the findings' ``urgency`` to the reason found, or None."""

    def __call__(self, doc: Doc) -> Doc:
        found = findings(doc)
        found.urgency = find_urgency(found.source.classifier.text)
        return doc
