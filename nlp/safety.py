"""The safety layer: hazards that make a contact urgent whatever the classifiers say.

A missed gas leak costs far more than a senior agent's minute, and the phrases that report one
are few and unmistakable, so rules decide here rather than a score. Each match is checked in its
own clause: a negation ("no gas smell") or a hazard that is over ("last week ... the crew fixed
it") does not count, and neither does a question about what one should do if it happened.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from nlp.findings import findings

_GAS = "(?:natural )?gas"
_WIRE = (
    r"(?:(?:power|electric(?:al)?|utility|service|live|high voltage|hydro) )?"
    r"(?:lines?|wires?|cables?)"
)
_EQUIPMENT = (
    r"(?:transformer|substation|pole|pole box|meter|meter box|panel|vault|manhole|junction box"
    r"|green box|utility box|lines?|wires?)"
)
_PLACE = (
    r"(?:house|home|basement|bathroom|kitchen|tub|bathtub|shower|toilets?|floor|building"
    r"|apartment|flat|unit|yard|street|sink|drains?|garage|hallway|washroom|driveway|houses)"
)
_SMOKE = r"(?:smoke|smoking|sparks?|sparking|flames?|fire)"

_HAZARDS: tuple[str, ...] = (
    # gas
    rf"\b(?:smell(?:s|ing|ed)?|smelt|odou?r|whiff|reek(?:s|ing)?|stink(?:s|ing)?)"
    rf"(?: \w+){{0,3}} (?:of |like )?{_GAS}\b",
    rf"\b{_GAS} (?:smell|odou?r|leak|is leaking|leaking|escaping|hissing|is blowing|blowing"
    rf"|is pouring|is coming out|spewing)",
    r"\b(?:smells?|smelling|stinks?|smell)(?: \w+){0,2} like (?:rotten eggs?|sulfur|sulphur"
    r"|skunk|rotten cabbage)",
    r"\b(?:rotten eggs?|sulfur|sulphur|skunk)(?:y)? (?:smell|odou?r)",
    r"\bleak(?:ing|s)? (?:natural )?gas\b",
    r"\bhiss\w*(?: \w+){0,6} (?:gas|meter|regulator)\b|\b(?:gas|meter|regulator)\b(?: \w+){0,6}"
    r" (?:hiss|whistl)\w*",
    r"\bcarbon monoxide\b|\bco (?:alarm|detector)",
    # electricity
    rf"\b(?:down|downed|fallen|falling|hanging|dangling|snapped|broken|sparking|arcing|burning"
    rf"|live|sagging) {_WIRE}",
    rf"\b{_WIRE} (?:is |are |was |were |has |have |just )?(?:down|fell|fallen|came down"
    rf"|come down|snapped|sparking|arcing|smoking|on fire|burning|hanging|sagging|touching"
    rf"|lying|laying|on the ground|in the (?:road|street|yard|driveway)|across|almost touching"
    rf"|on top of)",
    rf"\b(?:took|knocked|brought|pulled|ripped|take|taking) (?:down )?(?:a |the |our )?{_WIRE}",
    r"\bspark(?:s|ing|ed)?\b(?! plug)",
    r"\barcing\b",
    rf"\b{_EQUIPMENT} (?:is |was |just )?(?:on fire|caught fire|exploded|explosion|blew|blew up"
    rf"|blown|burning|smoking|sparking|popped|crackling|blew its cover|is leaning|leaning)",
    rf"\b{_SMOKE} (?:is )?(?:at|in|on|from|coming (?:out of|off|from)|pouring (?:out of|from)"
    rf"|off) (?:the |a |my |our )?(?:\w+ )?{_EQUIPMENT}",
    r"\bsmoke (?:is )?(?:coming|pouring|billowing|rising)|\bblack smoke\b",
    r"\b(?:burning|scorch\w*) (?:smell|odou?r)|\bsmells? (?:like|of) burning",
    r"\bexplo(?:ded|sion|ding)\b",
    r"\b(?:on fire|caught fire|in flames|burst into flames)\b",
    r"\belectrocut",
    r"\b(?:getting|got|gets|get|felt|feel|feeling|gives?|giving) (?:me )?(?:a |small |little"
    r" |tiny )?(?:shocks?|shocked|zapped|jolt|tingl\w*|electric)",
    r"\bshocks? me\b|\bshocks when\b|\b(?:got|felt) a jolt",
    # water and sewage
    r"\b(?:water )?main (?:break|broke|burst|busted|bust|rupture|ruptured|is broken|has broken"
    r"|just broke)\b(?! frequency| history| data| repair| job)",
    r"\b(?:burst|broken|busted|ruptured) (?:water )?main\b",
    r"\bwater(?:'s| is)? (?:gushing|shooting|pouring|spewing|spraying|geysering|spilling)",
    r"\bwater (?:everywhere|like a fountain|going into (?:the )?houses)",
    r"\b(?:road|street|pavement|asphalt|ground) (?:is |has |just )?(?:\w+ )?(?:collapsed"
    r"|collapsing|caving in|caved in|cave in|buckling|sinking|sunk)",
    r"\bgeyser\b|\bsinkhole\b|\bhydrant (?:sheared|knocked|broken|gushing|spewing)",
    r"\bbasement (?:is )?(?:filling|flooding|filled) (?:up )?with water",
    rf"\b(?:sewage|sewer|raw sewage|waste ?water)(?:'s)? (?:is |water )?(?:\w+ )?(?:backing up"
    rf"|backed up|back up|coming|came|flowing|spilling|running|bubbling|overflowing|flooding"
    rf"|pouring|all over|everywhere|in (?:my|the|our) {_PLACE}|into (?:my|the|our) {_PLACE})",
    r"\b(?:toilets?|tub|drains?|manhole|lift station|pumping station|sink)"
    r" (?:\w+ ){0,2}(?:is |are )?"
    r"(?:overflowing|backing up|bubbling up)(?: with sewage)?",
    rf"\bflooding (?:my|the|our) {_PLACE}",
    rf"\b(?:my|the|our) {_PLACE} (?:is )?flooding\b",
    # other languages
    r"\bhuele (?:mucho )?a gas\b|\bolor a gas\b|\b(?:fuga|escape) de gas\b",
    r"\bcables? (?:de luz )?(?:ca[ií]dos?|en el suelo|sueltos?)|\bchispas?\b|\bchispea",
    r"\bincendio\b|\bexplosi[oó]n\b|\bexplot[oó]\b|\bse quema\b",
    r"\baguas negras\b|\bse rompi[oó] (?:la|el) (?:tuber[ií]a|tubo) (?:principal|de agua)",
    r"\bodeur de gaz\b|\bfuite de gaz\b|\bmùi (?:ga|gas)\b",
)
_NO_WORD_BOUNDARY = "煤气|燃气|天然气"
"""Chinese writes no spaces, so these cannot wait for a word boundary."""
# One pass; the leading word boundary is tested once per position before any pattern is tried
# (most positions are inside a word), then each pattern keeps its own.
# Every alternative starts with a word character, so "(?<!\w)" means what a leading "\b" would;
# Python's engine runs the lookbehind form of these large alternations markedly faster.
_ANY_HAZARD = re.compile(
    r"(?<!\w)(?:" + "|".join(f"(?:{pattern})" for pattern in _HAZARDS) + ")|" + _NO_WORD_BOUNDARY
)

_SENTENCE_BREAK = re.compile(r"[.;!?\n]|\b(?:but|pero|although|though|however|now)\b")
_CLAUSE_BREAK = re.compile(r".*(?:,|\band\b|\by\b)", re.DOTALL)
_NEGATION = re.compile(
    r"\b(?:no|not|never|nothing|none|without|neither|nor|isn't|aren't|wasn't|weren't|don't|doesn't"
    r"|didn't|haven't|hasn't|can't|cannot|couldn't|ni|sin|nunca)\b|n't\b"
)
_NOT_A_NEGATION = re.compile(
    r"\b(?:not sure|no idea|don't know|do not know|not certain|unsure|no clue|can't tell"
    r"|not kidding|no joke|no one|nobody|not (?:so |very |too )?(?:good|great))\b|\bno(?=,)"
)
_HYPOTHETICAL = re.compile(
    r"\b(?:if|in case|what to do|what should i do|what do i do|how (?:do|should|would) i"
    r"|supposed to do|si (?:huele|hay))\b"
)
_REFERENCE = re.compile(
    r"\b(?:for|from|after|during|since|with|over|when|from when|when (?:you|they) did)"
    r"(?: (?:the|your|a|that|this|our|my))?(?: [\w!*']+){0,2} $"
)
_RESOLVED = re.compile(
    r"\b(?:fixed|repaired|cleaned up|all cleaned|tightened|(?:it'?s|is|all) (?:fine|good|ok"
    r"|dry) now|taken care of|resolved|(?:crew|they|tech|technician) (?:came|was|were) out"
    r"|came out and)\b"
)
_PAST_EVENT = re.compile(
    r"(?<!just )\b(?:blew|exploded|broke|burst|caught fire|backed up|flooded|sparked|fell|came down"
    r"|was (?:leaking|down|sparking|on fire))\b"
)
_CLAIM = re.compile(
    r"\b(?:claims?|reimburs\w*|compensat\w*|insurance|adjuster|denied|appeal|receipts?|destroyed"
    r"|fried|ruined)\b"
)
_RECURRING = re.compile(r"\b(?:again|still|came back|is back|keeps? (?:happening|coming))\b")
_BACK = re.compile(r"\b(?:still|again|back|keeps?|but now|is getting worse)\b")
_OVER = re.compile(
    r"\b(?:last (?:week|month|year|winter|summer|spring|fall"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day)"
    r"|this past \w+|years? ago|months? ago"
    r"|weeks? ago|days? ago|back in|previously|in the past|used to|(?:was|were|got|been|already)"
    r" (?:fixed|repaired|resolved|handled|taken care of|sorted)|(?:fixed|repaired) (?:it|the)"
    r"|no longer|since then|(?:crew|tech|technician|they) (?:came|fixed|repaired))\b"
)


def find_hazard(text: str) -> str | None:
    """The first hazard phrase reported as present in ``text`` (lower case), if any."""
    for match in _ANY_HAZARD.finditer(text):
        if _counts(text, match.start(), match.end()):
            return match.group()
    return None


def _counts(text: str, start: int, end: int) -> bool:
    sentence_start, sentence_end = _sentence(text, start, end)
    before = text[sentence_start:start]
    clause_before = _CLAUSE_BREAK.sub("", before)
    last_words = " ".join(_NOT_A_NEGATION.sub(" ", clause_before).split()[-4:])
    if _NEGATION.search(last_words) or _NEGATION.search(text[start:end]):
        return False
    if _REFERENCE.search(before) or _HYPOTHETICAL.search(before):
        return False
    sentence = text[sentence_start:sentence_end]
    if _RECURRING.search(sentence):  # "backing up again": a repair that did not hold
        return True
    if _PAST_EVENT.search(text, start, end) and _CLAIM.search(text):
        return False
    return not (_OVER.search(sentence) or _resolved_after(text, end))


def _resolved_after(text: str, end: int) -> bool:
    """Whether the message goes on to say the hazard was dealt with (and not that it is back)."""
    resolved = _RESOLVED.search(text, end)
    return resolved is not None and not _BACK.search(text, resolved.end())


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around a match: negation and tense elsewhere say nothing about it."""
    sentence_start = 0
    for match in _SENTENCE_BREAK.finditer(text, 0, start):
        sentence_start = match.end()
    following = _SENTENCE_BREAK.search(text, end)
    return sentence_start, following.start() if following else len(text)


@Language.factory("safety_layer")
def make_safety_layer(nlp: Language, name: str) -> SafetyLayer:
    return SafetyLayer()


class SafetyLayer:
    """Pipeline component: sets the findings' ``hazard`` to the hazard phrase found, or None."""

    def __call__(self, doc: Doc) -> Doc:
        found = findings(doc)
        found.hazard = find_hazard(found.source.classifier.text)
        return doc
