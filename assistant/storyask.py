"""Whether a question asks about a story as it unfolded, and which kind of answer it wants.

`timeline` ("timeline of …", "how did … unfold", "what has happened with …"), `latest`
("what's the latest on …", "any news on …") and `since` ("what's new on … since Monday").
The patterns are general phrasings of these requests, not questions of a test set; what is
left once the request words are taken away is the topic that is searched for.
"""

import re
from dataclasses import dataclass
from datetime import date

from newsqa.index.eventdates import resolve

KINDS = ("timeline", "latest", "since")

_TOPIC_END = r"(?:\s+so\s+far)?\s*[?.!]*\s*$"
_TIMELINE = [
    re.compile(r"^(?:please\s+)?(?:(?:give|show|make|build|create|write)\s+(?:me\s+|us\s+)?)?"
               r"(?:a\s+|the\s+)?(?:brief\s+|short\s+|quick\s+|full\s+)?"
               r"(?:timeline|chronology|sequence\s+of\s+events)\s+(?:of|for|on|about|in)\s+"
               r"(?P<topic>.+?)" + _TOPIC_END, re.I),
    re.compile(r"^what(?:'s|’s|\s+is|\s+was)\s+the\s+(?:timeline|chronology)\s+"
               r"(?:of|for|on)\s+(?P<topic>.+?)" + _TOPIC_END, re.I),
    re.compile(r"^how\s+(?:did|has|have|had)\s+(?P<topic>.+?)\s+(?:unfold(?:ed)?|develop(?:ed)?|"
               r"evolve[d]?|play(?:ed)?\s+out)" + _TOPIC_END, re.I),
    re.compile(r"^what\s+(?:has|have)\s+happened\s+(?:with|to|in|on)\s+(?P<topic>.+?)"
               + _TOPIC_END, re.I),
    re.compile(r"^what\s+happened\s+with\s+(?P<topic>.+?)" + _TOPIC_END, re.I),
]
_SINCE = re.compile(
    r"^(?:what(?:'s|’s|\s+is|\s+has)?\s+(?:new|changed|happened)|(?:are\s+there\s+|is\s+there\s+)?"
    r"any\s+(?:news|updates?|developments?|changes)|(?:what\s+are\s+the\s+)?(?:latest\s+)?"
    r"(?:news|updates?|developments?))\s+(?:(?:on|in|with|about|regarding|for|to)\s+)?"
    r"(?P<topic>.+?)\s+since\s+(?P<when>.+?)\s*[?.!]*\s*$", re.I)
_LATEST = [
    re.compile(r"^(?:what(?:'s|’s|\s+is|\s+are)\s+)?(?:the\s+)?(?:very\s+)?(?:latest|newest|"
               r"most\s+recent)(?:\s+(?:news|developments?|updates?|reports?))?\s+"
               r"(?:on|about|in|with|regarding|for|from)\s+(?P<topic>.+?)" + _TOPIC_END, re.I),
    re.compile(r"^(?:are\s+there\s+|is\s+there\s+)?any\s+(?:new\s+)?(?:news|updates?|"
               r"developments?)\s+(?:on|about|in|with|regarding|for)\s+(?P<topic>.+?)"
               + _TOPIC_END, re.I),
    re.compile(r"^what(?:'s|’s|\s+is)\s+new\s+(?:on|with|about|in|regarding)\s+(?P<topic>.+?)"
               + _TOPIC_END, re.I),
    re.compile(r"^(?:give\s+me\s+|show\s+me\s+)?(?:an?\s+)?update\s+on\s+(?P<topic>.+?)"
               + _TOPIC_END, re.I),
]


@dataclass(frozen=True)
class StoryAsk:
    kind: str  # one of KINDS
    topic: str  # what the story is searched for by
    since: date | None = None  # for `since`: the day after which developments count
    since_text: str | None = None  # the words that said it ("Monday")


def story_ask(question: str, today: date | None = None) -> StoryAsk | None:
    """The story request in `question`, or None for an ordinary question.

    `today` reads "since Monday" or "since yesterday" (the day the question is asked: the
    as-of date, the live index's today, else the clock); a "since" whose words are no day
    is asked as "latest".
    """
    text = " ".join(question.split())
    found = _SINCE.match(text)
    if found:
        topic, when = _clean(found.group("topic")), found.group("when")
        read = resolve(when, today or date.today())
        day = read.day or read.around if read is not None else None
        if topic and day is not None:
            return StoryAsk("since", topic, day, when)
        if topic:
            return StoryAsk("latest", topic)
    for kind, patterns in (("timeline", _TIMELINE), ("latest", _LATEST)):
        for pattern in patterns:
            found = pattern.match(text)
            if found and _clean(found.group("topic")):
                return StoryAsk(kind, _clean(found.group("topic")))
    return None


def _clean(topic: str) -> str:
    return topic.strip(" ,;:-–—\"'“”")
