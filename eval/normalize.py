"""Answer normalisation and matching, the same way the RealTime QA set was built.

Gold answers are checked by text containment, so both sides must be normalised alike:
lower-case, accents stripped, curly quotes and dashes unified, apostrophes and periods
dropped (except decimal points), thousands separators dropped, other punctuation turned
into spaces, spaces collapsed (" & " is read as " and "). Containment is by whole tokens
("war" is not in "award"), a leading "the/a/an" of the gold answer may be missing, and a
gold answer made of parts joined by "and" matches when every part occurs, as in the
dataset's own check.
"""

import re
import unicodedata
from collections import Counter

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "´": "'",
                         "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
                         "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-"})
_CITATION_MARKER = re.compile(r"\s*\[\d+\]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_PERIOD_NOT_DECIMAL = re.compile(r"(?<!\d)\.|\.(?!\d)")
_OTHER_PUNCTUATION = re.compile(r"[^\w\s.]|_")
_ARTICLES = ("the ", "a ", "an ")
YES_NO = {"yes", "no"}


def strip_citation_markers(text: str) -> str:
    """'Putin called [1] Macron [2].' -> 'Putin called Macron.' (markers are not answer text)."""
    return _CITATION_MARKER.sub("", text)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """'Élysée’s “1,500.5” – U.S.' -> 'elysees 1500.5 us'."""
    text = strip_accents(text.translate(_QUOTES).lower()).replace(" & ", " and ")
    text = text.replace("'", "")
    text = _THOUSANDS.sub("", text)
    text = _PERIOD_NOT_DECIMAL.sub("", text)
    text = _OTHER_PUNCTUATION.sub(" ", text)
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    return normalize(text).split()


def _variants(gold_normalized: str) -> list[str]:
    """The gold answer, and without its leading article ("the Washington Post" -> also
    "Washington Post")."""
    variants = [gold_normalized]
    for article in _ARTICLES:
        if gold_normalized.startswith(article) and len(gold_normalized) > len(article):
            variants.append(gold_normalized[len(article):])
    return variants


def _occurs(gold_normalized: str, haystack: str) -> bool:
    return any(f" {variant} " in haystack for variant in _variants(gold_normalized))


def contains_answer(text: str, gold: str) -> bool:
    """True when the normalised gold answer occurs in the normalised text as whole tokens.

    A conjunctive gold ("Thomas Jefferson and John Adams") also matches when every part
    occurs, in any order — the dataset's own "all_parts" rule.
    """
    gold_normalized = normalize(gold)
    if not gold_normalized:
        return False
    haystack = f" {normalize(text)} "
    if _occurs(gold_normalized, haystack):
        return True
    parts = [part for part in gold_normalized.split(" and ") if part]
    return len(parts) > 1 and all(_occurs(part, haystack) for part in parts)


def contains_any(text: str, golds: list[str]) -> bool:
    return any(contains_answer(text, gold) for gold in golds)


def is_yes_no(gold: str) -> bool:
    return normalize(gold) in YES_NO


def states_yes_no(answer: str, gold: str) -> bool:
    """A Yes/No gold is matched only when the answer *states* it, i.e. opens with it.

    Plain containment would credit any quoted sentence that happens to hold the word "no"
    ("he had no offensive plans"), which says nothing about the question asked.
    """
    answer_tokens = tokens(answer)
    return bool(answer_tokens) and answer_tokens[0] == normalize(gold)


def exact_match(prediction: str, gold: str) -> bool:
    """SQuAD exact match: equal after normalisation, articles a/an/the ignored."""
    def bare(text: str) -> list[str]:
        return [t for t in tokens(text) if t not in {"a", "an", "the"}]

    return bool(bare(gold)) and bare(prediction) == bare(gold)


# A calendar date as gold ("January 28, 2022", "Jan. 28, 2022", "28 January 2022", ISO).
_CALENDAR_DATE = re.compile(
    r"^\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+[A-Z][a-z]{2,8}\.?\s+\d{4}"
    r"|\d{4}-\d\d-\d\d)\s*$")


def is_calendar_date(gold: str) -> bool:
    return bool(_CALENDAR_DATE.match(gold))


def same_answer(prediction: str, gold: str) -> bool:
    """Exact match; for a calendar-date gold, the same day with its weekday ("Friday,
    January 28, 2022" for "January 28, 2022") is exact too."""
    return exact_match(prediction, gold) or (is_calendar_date(gold) and contains_answer(prediction, gold))


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD-style token F1 (articles a/an/the ignored) on normalised text."""
    pred = [t for t in tokens(prediction) if t not in {"a", "an", "the"}]
    ref = [t for t in tokens(gold) if t not in {"a", "an", "the"}]
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def longest_common_run(a: list[str], b: list[str]) -> int:
    """Length of the longest run of consecutive tokens shared by a and b."""
    if not a or not b:
        return 0
    best = 0
    previous = [0] * (len(b) + 1)
    for token_a in a:
        current = [0] * (len(b) + 1)
        for j, token_b in enumerate(b, start=1):
            if token_a == token_b:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best
