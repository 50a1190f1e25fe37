"""Page furniture: sentences of an article that are never an answer.

Articles carry lines that belong to the page, not to the story: update and publish
timestamps ("Updated Oct. 22, 2025, 9:37 a.m. ET"), bylines ("By Jane Doe and John Smith"),
photo credits ("(AP Photo/Evan Vucci)") and subheads written as questions ("What happens to
the concerts?"). They share words with the user's question, so the keyword shortlist and
the cross-encoder can rank them high, and the answer then quotes a date or a question
instead of a fact. A question in an article is never the answer to a user's question.

`is_furniture` recognises such a sentence when the whole sentence is furniture; a sentence
that only starts like one ("By the time the vote came, ...", "Updated rules took effect
Monday.") is not. Furniture stays in the stored text and in passages (search and context
still see it); the read path only never picks it as a sentence to quote
(`assistant/rerank.py: passage_sentences`).
"""

import re

__all__ = ["is_furniture"]

_MONTHS = ("jan", "january", "feb", "february", "mar", "march", "apr", "april", "may",
           "jun", "june", "jul", "july", "aug", "august", "sep", "sept", "september", "oct",
           "october", "nov", "november", "dec", "december")
_WEEKDAYS = ("mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur",
             "thurs", "thursday", "fri", "friday", "sat", "saturday", "sun", "sunday")
_ZONES = ("et", "est", "edt", "ct", "cst", "cdt", "mt", "mst", "mdt", "pt", "pst", "pdt",
          "gmt", "utc", "bst", "cet", "cest", "ist", "aest", "jst", "z")
_TIME_WORDS = ("a.m", "p.m", "am", "pm", "at", "on", "ago", "hour", "hours", "hr", "hrs",
               "min", "mins", "minute", "minutes", "day", "days", "today", "yesterday",
               "noon", "midnight", "of", "th", "st", "nd", "rd")
_DATE_WORDS = frozenset(_MONTHS + _WEEKDAYS + _ZONES + _TIME_WORDS)
# "9:37", "2025", "22nd", "2025-10-22T09:37:00Z", "22/10/2025", "+00:00"
_NUMBERISH = re.compile(r"[+-]?\d[\d:./\-T]*(?:st|nd|rd|th|z)?", re.I)
_TOKEN = re.compile(r"[^\s,|•·()\[\]–—]+")

_STAMP = re.compile(
    r"^(?:(?:last|first)\s+)?(?:updated|published|posted|modified|edited|revised)"
    r"(?:\s+(?:on|at))?\s*:?\s*(?P<rest>.*)$", re.I)

_NAME_WORD = r"(?:[A-Z][\w'’.-]*|(?:de|da|del|der|van|von|la|le|bin|al)(?=\s+[A-Z]))"
_NAME = rf"[A-Z][\w'’.-]*(?:\s+{_NAME_WORD}){{1,3}}"  # two to four words: "Jane Doe"
_AGENCIES = (r"Reuters|The Associated Press|Associated Press|AP|AFP|Agence France-Presse|"
             r"Bloomberg(?: News)?|CNN|BBC(?: News)?|NPR|UPI|dpa|EFE|ANSA|Xinhua|PA Media|"
             r"Press Association|Kyodo(?: News)?|Yonhap|TASS")
_ROLE = (r"(?:[A-Z][\w-]*\s+)*(?:[Rr]eporter|[Cc]orrespondent|[Ww]riter|[Ee]ditor|"
         r"[Cc]ontributor|[Cc]olumnist|[Cc]ritic|[Pp]roducer|[Ss]taff)")
_AFFILIATION = rf"(?:{_AGENCIES}|{_ROLE}|[Ss]taff [Ww]riter|[Ff]or [A-Z][\w' .&-]+)"
_PEOPLE = rf"{_NAME}(?:\s*(?:,|&|,?\s+and)\s+{_NAME})*"
_BYLINE = re.compile(
    rf"^(?:[Bb]y|BY)\s*:?\s+(?:{_PEOPLE}|{_AGENCIES})(?:(?:\s*[,|–—-]\s*|\s+){_AFFILIATION})*\.?$"
    rf"|^{_PEOPLE}\s*(?:[,|–—-]\s*|\s+\(){_AFFILIATION}\)?\.?$")

# "WASHINGTON, Oct 22 (Reuters) -" on a line of its own (as a prefix it is part of a fact)
_DATELINE = re.compile(
    rf"^[A-Z][A-Z.'’ -]{{1,40}}(?:,\s*[^()]{{1,30}}?)?\s*\((?:{_AGENCIES})\)\s*[-–—:]?$")

_CREDIT_WORDS = (r"Getty Images|AP Photo|AP Images|AFP|Reuters|EPA(?:-EFE)?|Shutterstock|"
                 r"Alamy|Bloomberg|Pool|via Getty|Getty")
_CREDIT = re.compile(
    # "Photo: Jane Doe/Getty Images", "Image credit: ...", "Photograph by ...", "Credit: ..."
    r"^(?:(?:photo|photograph|image|picture|video|illustration|graphic)s?"
    r"(?:\s+(?:credit|courtesy))?|credits?|courtesy)\s*(?::|by\b)\s*\S"
    # "(Getty Images)", "(AP Photo/Evan Vucci)", "(Photo: ...)": all of it in brackets
    rf"|^[(\[][^()\[\]]*(?:{_CREDIT_WORDS}|[Pp]hoto|[Ii]mage|[Cc]redit)[^()\[\]]*[)\]]\.?$"
    # "AP Photo/Evan Vucci", "Jane Doe/Getty Images", "Jane Doe / AFP via Getty Images"
    rf"|^(?:AP|AFP|Reuters|EPA)\s+(?:Photo|Images?)\s*/\s*[^/]{{1,60}}$"
    rf"|^[A-Z][\w'’. -]{{1,60}}/\s*(?:{_CREDIT_WORDS})(?:\s+via\s+Getty\s+Images)?\.?$"
    rf"|^(?:{_CREDIT_WORDS})$",
    re.I)
_CLOSERS = "\"'”’»)]} \t"


def _is_datetime(text: str) -> bool:
    """True when `text` is only a date and/or time ("Oct. 22, 2025, 9:37 a.m. ET",
    "2025-10-22T09:37Z", "3 hours ago"), with at least one number or month in it."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return False
    anchored = False
    for token in tokens:
        word = token.lower().strip(".")
        if _NUMBERISH.fullmatch(word):
            anchored = anchored or any(c.isdigit() for c in word)
        elif word in _DATE_WORDS:
            anchored = anchored or word in _MONTHS
        else:
            return False
    return anchored


def is_question(sentence: str) -> bool:
    """A sentence that asks ("What happens to the concerts?", '"Why now?"'), whatever its
    opening: "Why it matters: ..." is a statement unless it ends with a question mark."""
    return sentence.rstrip(_CLOSERS).endswith("?")


def is_furniture(sentence: str) -> bool:
    """Whether `sentence` is page furniture (timestamp, dateline, byline, photo credit or a
    question) and so never an answer sentence. Judges the whole sentence."""
    text = " ".join(sentence.split())
    if not text:
        return True
    if is_question(text):
        return True
    stamp = _STAMP.match(text)
    if stamp and _is_datetime(stamp.group("rest")):
        return True
    if _is_datetime(text):
        return True
    return bool(_BYLINE.match(text) or _DATELINE.match(text) or _CREDIT.match(text))
