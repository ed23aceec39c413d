"""Text as the classifiers and the entity rules should see it.

A message carries words that are not the customer's request (quoted earlier replies, signature
blocks) and words whose form depends on the channel (numbers spoken as words, shouting in
capitals). Classifiers see a cleaned, lower-cased view; entity rules see the same view with the
signature kept (where the callback number often is). Every view keeps a map back to the original
characters, so entities are reported exactly where the customer wrote them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 5000
"""Longer input is analysed on this prefix: the request is at the top, and cost stays bounded."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_PLAIN_CHANNELS = frozenset({"sms", "voice", "chat"})
_QUOTED = re.compile(r"[ \t]*>")
_ATTRIBUTION_START = re.compile(r"[ \t>]*On\s.{0,200}$")
_ATTRIBUTION_END = re.compile(r".*\bwrote:[ \t]*$")
_FORWARD_BLOCK = re.compile(
    r"[ \t]*(?:-{2,}\s*(?:Original|Forwarded) Message\s*-{2,}|_{10,}|From:\s.+)[ \t]*$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"[ \t]*(?:thanks?(?: you| again| so much)?|thx|many thanks|cheers|best|all the best"
    r"|(?:best|kind|warm|warmest)? ?regards|sincerely(?: yours)?|yours(?: truly| sincerely)?"
    r"|respectfully|cordially|take care|saludos|atentamente|gracias)[ \t]*[,.!-]*[ \t]*$",
    re.IGNORECASE,
)
_SIGNATURE_DELIMITER = re.compile(r"[ \t]*--[ \t]*$|[ \t]*Sent from my \w+", re.IGNORECASE)
_MAX_SIGNATURE_LINES = 7
_MAX_SIGNATURE_LINE = 80

_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_REPEAT = {"double": 2, "triple": 3}
_FILLERS = frozenset({"uh", "um", "er", "erm", "uhm"})
_NUMBER_WORD = "|".join(
    sorted([*_UNITS, *_TEENS, *_TENS, *_REPEAT, "hundred", "thousand"], key=len, reverse=True)
)
_GLUE = r"(?:[\s,]+(?:(?:uh|um|er|erm|uhm|and|dash|hyphen)[\s,]+)*|-)"
_NUMBER_RUN = re.compile(rf"\b(?:{_NUMBER_WORD})(?:{_GLUE}(?:{_NUMBER_WORD}))*\b", re.IGNORECASE)
_SHORTHAND = {
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "plse": "please",
    "thx": "thanks", "thnx": "thanks", "tnx": "thanks", "ty": "thank you", "acct": "account",
    "accnt": "account", "acc": "account", "pmt": "payment", "pymt": "payment", "wtr": "water",
    "2day": "today", "tmrw": "tomorrow", "tmr": "tomorrow", "2morrow": "tomorrow",
    "tonite": "tonight", "nite": "night", "b4": "before", "bc": "because", "cuz": "because",
    "coz": "because", "bcuz": "because", "w/": "with", "w/o": "without", "msg": "message",
    "appt": "appointment", "addr": "address", "amt": "amount", "bal": "balance",
    "dept": "department", "ppl": "people", "abt": "about", "rn": "right now",
    "idk": "i don't know", "im": "i'm", "dont": "don't", "cant": "can't", "wont": "won't",
    "didnt": "didn't", "doesnt": "doesn't", "isnt": "isn't", "whats": "what's",
    "thats": "that's", "wen": "when", "wat": "what", "svc": "service", "elec": "electric",
    "mtr": "meter", "yr": "year", "yrs": "years", "wk": "week", "wks": "weeks", "hr": "hour",
    "hrs": "hours", "mins": "minutes", "govt": "government", "info": "information",
}  # fmt: skip
"""SMS shorthand, spelled out for the classifiers so that rare spellings share common words."""
# Every alternative starts with a word character, so "(?<!\w)" means what a leading "\b" would;
# Python's engine runs the lookbehind form of these large alternations markedly faster.
_REWRITE = re.compile(
    rf"(?<!\w)(?:(?P<number>{_NUMBER_RUN.pattern})"
    rf"|(?<![\w/'])(?P<short>{'|'.join(sorted(map(re.escape, _SHORTHAND), key=len, reverse=True))})"
    r"(?![\w/'])"
    r"|(?P<filler>(?:um+|uh+|uhm|erm|er|hmm+)\b,?\s*)"
    r"|(?P<repeat>(?P<word>[a-z']+)\s+)(?=(?P=word)\b))",
)
"""Spoken numbers; SMS shorthand; fillers and false starts ("the the"), which speech has and
typing does not: removing them lets "my uh my bill" share its word pairs with "my bill".
Matched on the lower-cased text (see :func:`_lowered`): without ``re.IGNORECASE`` Python's
engine runs this alternation about three times faster, and it is the costliest step of
:func:`prepare`."""
_WORD = re.compile(r"[A-Za-z]+")
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z']{3,}\b")
_ANY_WORD = re.compile(r"\b[A-Za-z][A-Za-z']{3,}\b")


@dataclass(frozen=True, slots=True)
class View:
    """Text derived from the original, with each character's source range in the original."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The original's range that produced ``text[start:end]`` (``end > start``)."""
        return self.starts[start], self.ends[end - 1]


@dataclass(frozen=True, slots=True)
class Prepared:
    original: str
    """The analysed prefix of the input, in which entity offsets are given."""
    classifier: View
    """The customer's own words: no quotes, no signature, numbers as digits, lower case."""
    extraction: View
    """What entity rules read: the classifier's text plus the signature."""
    body: str
    """The customer's own words as written: sentiment and shouting need the original case."""
    caps_words: int
    """Words of four letters or more written in capitals: shouting is a hostility cue."""
    long_words: int

    @property
    def is_empty(self) -> bool:
        return not self.classifier.text.strip()


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def copy(self, source: str, start: int, end: int) -> None:
        piece = source[start:end]
        self.parts.append(_lowered(piece))
        self.starts.extend(range(start, end))
        self.ends.extend(range(start + 1, end + 1))

    def replace(self, text: str, start: int, end: int) -> None:
        self.parts.append(text)
        self.starts.extend([start] * len(text))
        self.ends.extend([end] * len(text))

    def view(self) -> View:
        return View("".join(self.parts), tuple(self.starts), tuple(self.ends))


def _lowered(text: str) -> str:
    """Lower case with every position kept, so matches on it index ``text``: the few
    characters that lower-case to two ("İ") are kept as they are."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else _lower_each(text)


def _lower_each(text: str) -> str:
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def prepare(text: str, channel: str | None = None) -> Prepared:
    """Split a message into the views the pipeline needs; never raises on any string.

    Quoted replies and signatures are looked for only in mail (or when the channel is not
    known): in an SMS or a chat, a line starting with ">" is the customer's own.
    """
    # Lone surrogates (from "\ud800" escapes in JSON) cannot be encoded; same-length swap.
    original = _SURROGATE.sub("\ufffd", text[:MAX_CHARS])
    lines = _lines(original)
    signature_lines: list[tuple[int, int]] = []
    if channel in _PLAIN_CHANNELS:
        body_lines = lines
    else:
        body_lines, signature_lines = _split_signature(original, _drop_quotes(original, lines))
    body_ranges = _merge(body_lines)
    rewrites = list(_REWRITE.finditer(_lowered(original)))
    classifier = _render(original, body_ranges, rewrites)
    extraction = (
        _render(original, _merge(body_lines + signature_lines), rewrites)
        if signature_lines
        else classifier
    )
    body = "\n".join(original[start:end] for start, end in body_ranges)
    return Prepared(
        original=original,
        classifier=classifier,
        extraction=extraction,
        body=body,
        caps_words=len(_CAPS_WORD.findall(body)),
        long_words=len(_ANY_WORD.findall(body)),
    )


def _lines(text: str) -> list[tuple[int, int]]:
    """Line ranges including their line break, so ranges of adjacent lines are contiguous."""
    ranges = []
    start = 0
    for line in text.splitlines(keepends=True):
        ranges.append((start, start + len(line)))
        start += len(line)
    return ranges


def _drop_quotes(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Lines that are not a quoted earlier message: quotes are someone else's words."""
    kept: list[tuple[int, int]] = []
    index = 0
    while index < len(lines):
        start, end = lines[index]
        line = text[start:end].rstrip("\r\n")
        if _FORWARD_BLOCK.match(line) and kept:
            break
        if _QUOTED.match(line):
            index += 1
            continue
        if _ATTRIBUTION_START.match(line):
            last = _attribution_end(text, lines, index)
            if last is not None:
                index = last + 1
                continue
        kept.append((start, end))
        index += 1
    return kept


def _attribution_end(text: str, lines: list[tuple[int, int]], first: int) -> int | None:
    """The line ending an "On <date>, <name> wrote:" header, which mail clients may wrap."""
    for index in range(first, min(first + 3, len(lines))):
        start, end = lines[index]
        if _ATTRIBUTION_END.match(text[start:end].rstrip("\r\n")):
            return index
    return None


def _split_signature(
    text: str, lines: list[tuple[int, int]]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Body lines and signature lines: a sign-off near the end followed by a few short lines."""
    filled = [i for i, (start, end) in enumerate(lines) if text[start:end].strip()]
    for position, index in enumerate(filled):
        if position == 0:
            continue
        start, end = lines[index]
        line = text[start:end].rstrip("\r\n")
        if not (_SIGN_OFF.fullmatch(line) or _SIGNATURE_DELIMITER.match(line)):
            continue
        rest = filled[position + 1 :]
        if len(rest) <= _MAX_SIGNATURE_LINES and all(
            len(text[lines[i][0] : lines[i][1]].strip()) <= _MAX_SIGNATURE_LINE for i in rest
        ):
            return lines[:index], lines[index:]
    return lines, []


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _render(text: str, ranges: list[tuple[int, int]], rewrites: list[re.Match[str]]) -> View:
    """The text of ``ranges``, lower-cased, spoken numbers as digits, shorthand spelled out."""
    builder = _Builder()
    for number, (start, end) in enumerate(ranges):
        if number:
            builder.replace("\n", start, start)
        position = start
        for match in rewrites:
            if match.start() < start or match.end() > end:
                continue
            if match.group("number"):
                replacements = _spoken_numbers(text, match)
            elif match.group("short"):
                replacements = [(*match.span(), _SHORTHAND[match.group().lower()])]
            else:
                replacements = [(*match.span(), "")]
            for replacement_start, replacement_end, replacement in replacements:
                builder.copy(text, position, replacement_start)
                builder.replace(replacement, replacement_start, replacement_end)
                position = replacement_end
        builder.copy(text, position, end)
    return builder.view()


def _spoken_numbers(text: str, match: re.Match[str]) -> list[tuple[int, int, str]]:
    """Digit strings for a run of number words, as (start, end, digits) in the original.

    Speech recognisers write "four eight one seven" or "twenty two oh seven"; joining the
    chunks' digits gives what the customer meant ("4817", "2207"), which the entity rules and
    the classifiers then see in the same form as typed numbers.
    """
    words = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text, *match.span())]
    pieces: list[tuple[int, int, str]] = []
    index = 0
    while index < len(words):
        start = words[index][1]
        chunk = _chunk(words, index)
        if chunk is None:
            index += 1
            continue
        digits, next_index = chunk
        end = words[next_index - 1][2]
        joined = bool(pieces) and _only_glue(words, pieces[-1][1], start)
        if joined and _has_dash(text, pieces[-1][1], start):
            digits = "-" + digits
        if joined:
            previous_start, _, previous = pieces.pop()
            pieces.append((previous_start, end, previous + digits))
        else:
            pieces.append((start, end, digits))
        index = next_index
    return [piece for piece in pieces if _worth_replacing(words, piece)]


def _chunk(words: list[tuple[str, int, int]], index: int) -> tuple[str, int] | None:
    """One spoken number starting at ``index``: its digits and the index after it."""
    word = words[index][0]
    following = words[index + 1][0] if index + 1 < len(words) else ""
    if word in _REPEAT and following in _UNITS and following != "oh":
        return str(_UNITS[following]) * _REPEAT[word], index + 2
    if word == "oh" and (index == 0 or words[index - 1][0] in _FILLERS | {"and"}):
        return None
    value, index = _below_thousand(words, index)
    if value is None:
        return None
    if index < len(words) and words[index][0] == "thousand":
        index = _skip_and(words, index + 1)
        rest, after = _below_thousand(words, index) if index < len(words) else (None, index)
        if rest is not None and rest < 1000:
            return str(value * 1000 + rest), after
        return str(value * 1000), index
    return str(value), index


def _below_thousand(words: list[tuple[str, int, int]], index: int) -> tuple[int | None, int]:
    if index >= len(words):
        return None, index
    word = words[index][0]
    if word in _UNITS:
        value = _UNITS[word]
        if index + 1 < len(words) and words[index + 1][0] == "hundred" and word != "oh":
            after = _skip_and(words, index + 2)
            rest, end = _below_hundred(words, after)
            return (value * 100 + rest, end) if rest is not None else (value * 100, index + 2)
        return value, index + 1
    if word in _TEENS and index + 1 < len(words) and words[index + 1][0] == "hundred":
        after = _skip_and(words, index + 2)
        rest, end = _below_hundred(words, after)
        base = _TEENS[word] * 100
        return (base + rest, end) if rest is not None else (base, index + 2)
    return _below_hundred(words, index)


def _below_hundred(words: list[tuple[str, int, int]], index: int) -> tuple[int | None, int]:
    if index >= len(words):
        return None, index
    word = words[index][0]
    if word in _TEENS:
        return _TEENS[word], index + 1
    if word in _TENS:
        following = words[index + 1][0] if index + 1 < len(words) else ""
        if following in _UNITS and following not in {"zero", "oh"}:
            return _TENS[word] + _UNITS[following], index + 2
        return _TENS[word], index + 1
    if word in _UNITS and word != "oh":
        return _UNITS[word], index + 1
    return None, index


def _skip_and(words: list[tuple[str, int, int]], index: int) -> int:
    while index < len(words) and words[index][0] in _FILLERS | {"and"}:
        index += 1
    return index


def _only_glue(words: list[tuple[str, int, int]], end: int, start: int) -> bool:
    """Whether only fillers or a dash separate two number chunks, so they form one number."""
    between = [w for w, s, _ in words if end <= s < start]
    return all(w in _FILLERS or w in {"dash", "hyphen"} for w in between) and "and" not in between


def _has_dash(text: str, end: int, start: int) -> bool:
    gap = text[end:start].lower()
    return "dash" in gap or "hyphen" in gap


def _worth_replacing(words: list[tuple[str, int, int]], piece: tuple[int, int, str]) -> bool:
    """A lone "one" is usually a pronoun ("no one", "the one"), not a number."""
    start, end, _ = piece
    inside = [w for w, s, e in words if start <= s and e <= end]
    return inside != ["one"]
