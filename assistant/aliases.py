"""The few names news writes in several ways: "the U.S.", "US", "USA", "United States".

A short answer must not be what the question already names ("Which US state…?" is not
answered "U.S."; "Team USA lost to which country?" not "United States"). Comparing words
catches a repeat only when it is spelled alike, so the names below, which news spells
several ways, share one key, and dotted abbreviations ("U.N.", "E.U.") read as their
letters. A short fixed list on purpose: countries and unions that outlets abbreviate, not
a gazetteer.
"""

import re

_GROUPS = {
    "united states": ("us", "usa", "u.s.", "u.s", "u.s.a.", "america", "united states",
                      "united states of america", "the united states", "the us", "the u.s."),
    "united kingdom": ("uk", "u.k.", "britain", "great britain", "united kingdom",
                       "the united kingdom", "the uk", "the u.k."),
    "united nations": ("un", "u.n.", "united nations", "the united nations", "the un",
                       "the u.n."),
    "european union": ("eu", "e.u.", "european union", "the european union", "the eu",
                       "the e.u."),
    "united arab emirates": ("uae", "u.a.e.", "united arab emirates", "the uae",
                             "the united arab emirates", "emirates"),
}
_KEY = {spelling.replace(".", ""): key for key, spellings in _GROUPS.items()
        for spelling in spellings}
# Spellings that are ordinary words too ("us", "un") count only in capitals.
_CASED = {"us", "un"}
_PHRASES = sorted({s for spellings in _GROUPS.values() for s in spellings}, key=len, reverse=True)
_FIND = re.compile(r"(?<![\w.])(" + "|".join(re.escape(s) for s in _PHRASES) + r")(?![\w])",
                   re.IGNORECASE)


def alias_key(text: str) -> str | None:
    """The shared key of `text` when it is one of the names above, else None."""
    plain = " ".join(text.strip().split())
    bare = plain.replace(".", "").lower()
    key = _KEY.get(bare)
    if key is None:
        return None
    if bare in _CASED and not plain.replace(".", "").isupper():
        return None  # "us" the pronoun, "un" in French
    return key


def named_in(question: str) -> set[str]:
    """The keys of the names above that `question` mentions."""
    return {key for match in _FIND.finditer(question)
            if (key := alias_key(match.group(1))) is not None}
