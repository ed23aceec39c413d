"""Entities the intake conversation asks the customer to confirm, found by rules.

Account, meter and permit numbers have fixed formats that rules find exactly, and a statistical
recogniser would need labelled spans we do not have. Rules read the extraction view, where
spoken numbers are already digits, and report offsets in the original text.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from nlp.analysis import Entity
from nlp.findings import findings
from nlp.text import Prepared

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORDINAL_WORDS = (
    r"(?:(?:twenty|thirty)[ -]?)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth"
    r"|eighteenth|nineteenth|twentieth|thirtieth"
)
_DAY = rf"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\b|{_ORDINAL_WORDS}"
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?"
_STREET_TYPE = (
    r"(?:street|st|avenue|ave|av|boulevard|blvd|road|rd|drive|dr|lane|ln|court|ct|way|place|pl"
    r"|terrace|ter|circle|cir|parkway|pkwy|highway|hwy|trail|trl|square|sq|loop|row|pike)"
)
_NOT_A_STREET_NAME = (
    r"(?!(?:the|a|an|on|in|at|of|off|to|for|and|or|but|my|our|your|is|was|are|were|days?"
    r"|weeks?|months?|years?|times?|hours?|minutes?|dollars?|units?|people|ppl|gallons?|kwh"
    r"|percent|am|pm|from|by|near|since|with)\b)"
)
_UNIT = r"(?:,?\s*(?:apt|apartment|unit|suite|ste|#)\.?\s*#?\s*[a-z0-9-]{1,6}\b)?"

_PATTERNS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern), re.compile(clue))
    for label, pattern, clue in (
        ("PERMIT_REF", r"\bprm-?\d{4}-\d{3,6}\b", "prm"),
        (
            "PERMIT_REF",
            r"\bpermit\s*(?:number|no\.?|num|#|ref(?:erence)?)?\s*[:#]?\s*(\d{4}-\d{3,6})\b",
            "permit",
        ),
        ("PERMIT_REF", r"(?<![\d-])\b(20\d{2}-\d{5})\b(?![\d-])", r"\d-\d"),
        ("METER_NUMBER", r"\bm\d{8}\b", r"m\d{8}"),
        (
            "METER_NUMBER",
            r"\bmeter\s*(?:number|no\.?|num|#|id|serial(?: number)?)?\s*(?:is\s*)?[:#]?"
            r"\s*(\d{8})\b",
            "meter",
        ),
        ("AMOUNT", r"\$\s?\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\$\s?\d+(?:\.\d{1,2})?", r"\$"),
        (
            "AMOUNT",
            r"\b\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?\s?(?:dollars?|bucks|usd)\b"
            r"|\b\d+(?:\.\d{1,2})?\s?(?:dollars?|bucks|usd)(?:\s+and\s+\d{1,2}\s+cents?)?\b",
            "dollar|buck|usd",
        ),
        (
            "PHONE",
            r"(?<![\w+-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}\b(?![\d-])",
            r"\d{3}[\s.-]\d{4}",
        ),
        (
            "ACCOUNT_NUMBER",
            r"(?<![\d-])\b\d{4}[\s-]\d{3}[\s-]\d{3}\b(?![\d-])",
            r"\d{4}[\s-]\d{3}[\s-]\d{3}",
        ),
        ("TEN_DIGITS", r"(?<![\w+-])(?:\+?1)?\d{10}\b(?![\d-])", r"\d{10}"),
        (
            "ADDRESS",
            rf"\b\d{{1,6}}[a-z]?\s+(?:(?:[nsew]\.?|north|south|east|west)\s+)?"
            rf"(?:{_NOT_A_STREET_NAME}[a-z0-9'.]+\s+){{1,3}}{_STREET_TYPE}\b\.?{_UNIT}",
            r"\d[a-z]?\s",
        ),
        ("DATE", rf"\b{_MONTHS}\.?\s+(?:{_DAY})(?:,?\s+20\d{{2}})?", _MONTHS),
        ("DATE", rf"\b(?:{_DAY})\s+(?:of\s+)?{_MONTHS}\b(?:,?\s+20\d{{2}})?", _MONTHS),
        (
            "DATE",
            r"\b(?:1[0-2]|0?[1-9])/(?:[12]\d|3[01]|0?[1-9])(?:/(?:20)?\d{2})?\b(?!/)",
            r"\d/\d",
        ),
        ("DATE", r"\b20\d{2}-(?:1[0-2]|0[1-9])-(?:[12]\d|3[01]|0[1-9])\b", r"20\d\d-"),
        (
            "DATE",
            rf"\b(?:(?:next|this|last|on|by|until|before|after)\s+){_WEEKDAY}\b",
            "mon|tue|wed|thu|fri|sat|sun",
        ),
        ("DATE", r"\b(?:today|tomorrow|yesterday|tonight)\b", "today|tomorrow|yesterday|tonight"),
    )
)
"""(label, rule, clue): every match of a rule contains a match of its clue. A clue is a plain
search that the regular expression engine runs several times faster than the rule, and most
messages have none, so a rule runs only where its clue is found."""

_PHONE_CONTEXT = re.compile(
    r"\b(?:phone|call(?:back)?|cell|mobile|reach|text|tel|contact|ph|number to)\b[^.\n]{0,25}$",
)
_ACCOUNT_CONTEXT = re.compile(r"\b(?:acc(?:oun)?t|acc|a/c)\b[^.\n]{0,25}$")
_DIGIT = re.compile(r"\d")
"""Every label but DATE ("next Tuesday", "March third") needs a digit: most texts skip them."""
_DATE_WORD = re.compile(rf"\b(?:{_MONTHS}|{_WEEKDAY}|today|tomorrow|yesterday|tonight)\b")
_WEEKDAY_PREFIX = re.compile(r"(?:on|by|until|before|after)\s+")


def extract(prepared: Prepared) -> tuple[Entity, ...]:
    """Entities in reading order; where two rules claim the same characters the first wins."""
    view = prepared.extraction
    text = view.text
    taken: list[tuple[int, int]] = []
    found: list[Entity] = []
    has_digit = _DIGIT.search(text) is not None
    has_date_word = has_digit or _DATE_WORD.search(text) is not None
    for label, pattern, clue in _PATTERNS:
        if not (has_digit or (label == "DATE" and has_date_word)) or not clue.search(text):
            continue
        for match in pattern.finditer(text):
            group = 1 if pattern.groups else 0
            start, end = match.span(group)
            if label == "TEN_DIGITS":
                label_here = _ten_digit_label(text, start, end)
            elif label == "DATE":
                start += _weekday_prefix(text, start, end)
                label_here = label
            else:
                label_here = label
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            source_start, source_end = view.source_span(start, end)
            found.append(
                Entity(
                    label_here,
                    prepared.original[source_start:source_end],
                    source_start,
                    source_end,
                )
            )
    return tuple(sorted(found, key=lambda entity: entity.start))


def _ten_digit_label(text: str, start: int, end: int) -> str:
    """Ten bare digits are an account number unless a country code or the words before say phone."""
    if end - start > 10:
        return "PHONE"
    before = text[max(0, start - 40) : start]
    phone = _PHONE_CONTEXT.search(before)
    account = _ACCOUNT_CONTEXT.search(before)
    if phone and (not account or phone.start() > account.start()):
        return "PHONE"
    return "ACCOUNT_NUMBER"


def _weekday_prefix(text: str, start: int, end: int) -> int:
    """Characters of "on"/"by" before a weekday, which belong to the sentence, not the date."""
    match = _WEEKDAY_PREFIX.match(text, start, end)
    return match.end() - start if match else 0


@Language.factory("utility_entities")
def make_entities(nlp: Language, name: str) -> EntityRules:
    return EntityRules()


class EntityRules:
    """Pipeline component: sets the findings' ``entities`` from the prepared text."""

    def __call__(self, doc: Doc) -> Doc:
        found = findings(doc)
        found.entities = extract(found.source)
        return doc
