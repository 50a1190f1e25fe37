"""Whether a question asks about a story as it unfolded, and which kind of answer it wants.

`timeline` ("timeline of …", "how did … unfold", "what has happened with …"), `latest`
("what's the latest on …", "any news on …"), `since` ("what's new on … since Monday") and
`compare_sources` ("how did CNN and USA Today report …", "do outlets agree on …", "how do
the reports differ on …"): the outlets it names, or none for "outlets", "the media".
The patterns are general phrasings of these requests, not questions of a test set; what is
left once the request words are taken away is the topic that is searched for.
"""

import re
from dataclasses import dataclass
from datetime import date

from newsqa.index.eventdates import resolve

KINDS = ("timeline", "latest", "since", "compare_sources")

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
# Words for "the outlets" in general, so that no outlet is named.
_OUTLETS = (r"(?:the\s+|different\s+|various\s+|other\s+|all\s+(?:the\s+)?|each\s+of\s+the\s+)?"
            r"(?:news\s+)?(?:outlets?|sources?|reports?|papers|newspapers|media(?:\s+outlets)?|"
            r"publications|press|coverage|articles|networks|stories)")
# Two or more outlet names ("CNN and USA Today", "The Week, CNN and Fox"): short names, not
# a description of articles ("the Fortune article on …" asks about what one report says).
_NAME = r"(?:(?!(?:articles?|reports?|pieces?|stories|story|posts?)\b)[A-Za-z0-9.&'’-]+)"
_ONE = rf"{_NAME}(?:\s+{_NAME}){{0,3}}?"
_NAMED = (rf"(?P<outlets>{_ONE}(?:\s*,\s*{_ONE})*(?:\s*,)?\s+(?:and|vs\.?|versus)\s+{_ONE})")
_REPORT = (r"(?:report(?:ed|ing)?|cover(?:ed|ing)?|describe[sd]?|portray(?:ed)?|frame[sd]?|"
           r"present(?:ed)?|characteri[sz]e[sd]?|tell|told|see|saw|handle[sd]?)")
_ABOUT = r"(?:on|about|over|regarding|in|with)"
_COMPARE = [
    re.compile(rf"^how\s+(?:did|do|does|have|has)\s+(?:{_OUTLETS}|{_NAMED})\s+{_REPORT}\s+"
               rf"(?:{_ABOUT}\s+)?(?:the\s+news\s+(?:of|about)\s+)?(?P<topic>.+?){_TOPIC_END}", re.I),
    re.compile(rf"^how\s+(?:do|did|does)\s+(?:{_OUTLETS}|{_NAMED})\s+(?:differ|compare|disagree|"
               rf"vary)\s+{_ABOUT}\s+(?P<topic>.+?){_TOPIC_END}", re.I),
    re.compile(rf"^(?:do|did|does)\s+(?:{_OUTLETS}|{_NAMED})\s+(?:agree|disagree|differ)\s+"
               rf"{_ABOUT}\s+(?P<topic>.+?){_TOPIC_END}", re.I),
    re.compile(rf"^what\s+(?:do|did|does)\s+(?:{_OUTLETS}|{_NAMED})\s+(?:say|report|write)\s+"
               rf"(?:about|on|regarding)\s+(?P<topic>.+?){_TOPIC_END}", re.I),
    re.compile(rf"^(?:please\s+)?compare\s+(?:the\s+)?(?:coverage|reporting|reports)\s+(?:of|on|"
               rf"about)\s+(?P<topic>.+?)(?:\s+(?:by|in|across|from)\s+(?:{_OUTLETS}|{_NAMED}))?"
               rf"{_TOPIC_END}", re.I),
    re.compile(rf"^(?:please\s+)?compare\s+(?:how\s+)?(?:{_OUTLETS}|{_NAMED})\s+(?:{_REPORT}\s+)?"
               rf"(?:{_ABOUT}\s+)?(?P<topic>.+?){_TOPIC_END}", re.I),
    re.compile(rf"^(?:where|how)\s+(?:do|did)\s+(?:the\s+)?(?:reports|accounts|outlets|sources)\s+"
               rf"(?:of|on|about)\s+(?P<topic>.+?)\s+(?:differ|disagree|conflict){_TOPIC_END}", re.I),
]
_SPLIT = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s+vs\.?\s+|\s+versus\s+)\s*", re.I)


@dataclass(frozen=True)
class StoryAsk:
    kind: str  # one of KINDS
    topic: str  # what the story is searched for by
    since: date | None = None  # for `since`: the day after which developments count
    since_text: str | None = None  # the words that said it ("Monday")
    outlets: tuple[str, ...] = ()  # for `compare_sources`: the outlets named, as said (the
    # answerer checks them against the index's sources: "Macron and Putin" are no outlets)


def story_ask(question: str, today: date | None = None) -> StoryAsk | None:
    """The story request in `question`, or None for an ordinary question.

    `today` reads "since Monday" or "since yesterday" (the day the question is asked: the
    as-of date, the live index's today, else the clock); a "since" whose words are no day
    is asked as "latest".
    """
    text = " ".join(question.split())
    for pattern in _COMPARE:
        found = pattern.match(text)
        if found and _clean(found.group("topic")):
            named = found.groupdict().get("outlets")
            outlets = tuple(o for o in (_clean(p) for p in _SPLIT.split(named)) if o) if named else ()
            return StoryAsk("compare_sources", _clean(found.group("topic")), outlets=outlets)
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


def timeline_ask(topic: str, since: date | None = None) -> StoryAsk:
    """The request "Give me a timeline of <topic>", or with `since` "What's new on <topic>
    since <day>?", for callers that name the topic and day themselves (the MCP
    `story_timeline` tool, the page's Stories tab) instead of wording a question."""
    if since is None:
        return StoryAsk("timeline", topic)
    return StoryAsk("since", topic, since)
