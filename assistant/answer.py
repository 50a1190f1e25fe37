"""Answer a question from reranked evidence without an LLM, or decline.

The answer is the best-scoring sentence, plus a close runner-up, quoted verbatim: an
extractive answer cannot say anything the articles do not say. Sentences that hold the kind
of thing the question asks for (a date for "when", a number for "how many", a name for
"who"/"where") get a bonus when choosing among them; the first cited article's headline
leads the answer when the sentences do not already contain it. The assistant declines when
the best relevance score is below `min_relevance`, when the question names someone or
something that no retrieved passage mentions, or when the confidence model
(`confidence.py`) puts the chance of being right below `min_confidence`. The bold answer is
the short-answer model's fact (`short.py`), or for "Who is X?" the description the articles
give of X (`describe.py`).
"""

import re
from dataclasses import dataclass

from langchain_core.documents import Document

from newsqa.assistant.confidence import Signals, age_signal, days_between, probability
from newsqa.assistant.recency import asks_for_recent
from newsqa.assistant.rerank import Evidence, Reranked
from newsqa.assistant.asks import asked_for
from newsqa.assistant.describe import describe, subject_of
from newsqa.assistant.short import ShortAnswer, ShortAnswerer
from newsqa.assistant.yesno import YesNo, YesNoJudge, about_reports, is_comparison
from newsqa.assistant.words import content_stems
from newsqa.index.filters import day_number

NOT_FOUND = "I could not find this in the indexed articles."
UNSETTLED = "The articles do not settle this"  # a Yes/No the evidence does not decide

# Capitalised words that start questions rather than name things.
QUESTION_WORDS = {
    "what", "who", "whom", "whose", "which", "when", "where", "why", "how", "did", "do", "does",
    "is", "are", "was", "were", "has", "have", "had", "can", "could", "will", "would", "should",
    "in", "on", "at", "according", "after", "before", "the", "a", "an", "of", "for", "to", "and",
    "this", "that", "these", "those", "as", "by", "with", "from", "about", "i", "it", "its",
    "name", "tell", "list", "give", "describe", "explain", "per", "if", "since", "during",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    # Dates live in article metadata rather than in passage text.
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
}
_NAME_RUN = re.compile(r"(?:[A-Z][\w'’.-]*[\w.])(?:\s+(?:[A-Z][\w'’.-]*[\w.]))*")

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november"
           "|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec")
_DATE = re.compile(
    rf"\b(({_MONTHS})\.?\s+\d{{1,2}}|\d{{1,2}}\s+({_MONTHS})|(19|20)\d\d|january|february|march"
    r"|april|june|july|august|september|october|november|december|(in|since|until|by) may"
    r"|spring|summer|autumn|winter|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|yesterday|today|tomorrow|last (week|month|year)"
    r"|next (week|month|year)|\d{1,2}/\d{1,2}(/\d{2,4})?)\b", re.I)
_NUMBER = re.compile(r"(\b\d|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
                     r"|dozen|hundred|thousand|million|billion|trillion|half|percent)\b)", re.I)

_DURATION = re.compile(
    r"\b((\d[\d.,]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few|many)"
    r"[\s-]+(second|minute|hour|day|week|month|year|decade)s?|(seconds|minutes|hours|days|weeks"
    r"|months|years|decades)\b)", re.I)
_PATTERNS = {"date": _DATE, "number": _NUMBER, "duration": _DURATION}

EXPECTED_TYPES = [  # (question pattern, answer type), first match wins
    (re.compile(r"\bhow long\b(?! ago)", re.I), "duration"),
    (re.compile(r"^\s*(when\b|(in |on )?what (year|date|day|month|time)\b|how long ago\b)", re.I), "date"),
    (re.compile(r"\b(how (many|much|old|long|far|tall)|what (percentage|percent|number|amount"
                r"|share|age|price)|how high)\b", re.I), "number"),
    (re.compile(r"^\s*(who|whom|whose)\b|\bwhich (person|man|woman|player|actor|actress|singer"
                r"|official|leader|ceo|president|judge|senator|lawmaker|candidate)\b", re.I), "name"),
    (re.compile(r"^\s*where\b|\bwhich (country|city|state|nation|town|region|island|continent"
                r"|company|team|organization|agency|airline|brand)\b|\bwhat (country|city|state"
                r"|company|team)\b", re.I), "name"),
]


def question_names(question: str) -> list[list[str]]:
    """Runs of capitalised words in the question (e.g. [['Joe', 'Biden'], ['NATO']]).

    The question's first word is capitalised by grammar, not because it names something
    ("Considering ...", "Between ..."), so it is left out.
    """
    names = []
    for match in _NAME_RUN.finditer(question):
        words = [w.strip(".").removesuffix("'s").removesuffix("’s") for w in match.group().split()]
        if not question[: match.start()].strip(" \"'“‘("):
            words = words[1:]
        words = [w for w in words if w and w.lower() not in QUESTION_WORDS]
        if words:
            names.append(words)
    return names


def missing_names(question: str, documents: list[Document]) -> list[str]:
    """Names in the question that no retrieved passage (nor its title or source) mentions.

    Returned only when they are too many to ignore: any one of a short question's one or
    two names, or half of a long (multi-part) question's names, whose passages may lack
    some metadata such as the publisher.
    """
    haystack = " ".join(f"{d.metadata.get('title', '')} {d.metadata.get('source') or ''} "
                        f"{d.page_content}" for d in documents).lower()
    names = question_names(question)
    missing = [" ".join(words) for words in names
               if not any(re.search(rf"\b{re.escape(w.lower())}", haystack) for w in words)]
    allowed = 0 if len(names) <= 2 else (len(names) - 1) // 2
    return missing if len(missing) > allowed else []


def expected_type(question: str) -> str | None:
    return next((kind for pattern, kind in EXPECTED_TYPES if pattern.search(question)), None)


def holds_type(sentence: str, kind: str, question: str) -> bool:
    if kind in _PATTERNS:
        return bool(_PATTERNS[kind].search(sentence))
    asked = {w.lower() for words in question_names(question) for w in words}
    # a name the question does not already contain (first word of a sentence aside)
    return any(w.lower() not in asked for words in question_names(sentence[1:]) for w in words)


def signals(question: str, chosen: Evidence, reranked: Reranked, kind: str | None,
            reference_day: int | None, short: ShortAnswer | None = None,
            today_day: int | None = None) -> Signals:
    """The confidence model's inputs for answering with `chosen` (see confidence.py)."""
    article = chosen.document.metadata.get("article_id")
    rival = next((e.score for e in reranked.evidence
                  if e.document.metadata.get("article_id") != article), None)
    best_by_passage: dict[str, float] = {}
    for e in reranked.evidence:
        key = e.document.metadata.get("chunk_id")
        best_by_passage[key] = max(best_by_passage.get(key, float("-inf")), e.score)
    asked = set(content_stems(question))
    title = chosen.document.metadata.get("title") or ""
    found = set(content_stems(f"{title} {chosen.sentence}"))
    if reference_day is None and asks_for_recent(question):
        # "latest", "this week": recent news is wanted, counted back from today in a live
        # index (one that follows feeds), else from the newest found. Otherwise an archive
        # question has no reference day and age means nothing.
        days = [day_number(d.metadata.get("published")) for d in reranked.documents]
        reference_day = today_day or max((d for d in days if d), default=None)
    return Signals(
        score=chosen.score,
        lead=min(chosen.score - rival, 10.0) if rival is not None else 10.0,
        support=float(sum(1 for v in best_by_passage.values() if v > 0)),
        coverage=len(asked & found) / len(asked) if asked else 1.0,
        typed=1.0 if kind and holds_type(f"{title}. {chosen.sentence}", kind, question) else 0.0,
        age=age_signal(days_between(chosen.document.metadata.get("published"), reference_day)),
        short=short.score if short is not None else 0.0,
    )


@dataclass(frozen=True)
class Draft:
    evidence: list[Evidence]
    best_score: float | None
    decline_reason: str | None = None
    confidence: float | None = None  # estimated probability that the answer is right
    signals: Signals | None = None
    with_headline: bool = True
    short: ShortAnswer | None = None  # the fact asked for, shown first
    verdict: str | None = None  # "Yes"/"No" for a Yes/No question the evidence decides
    closest: tuple[Evidence, ...] = ()  # shown with a decline: what came nearest

    @property
    def headline(self) -> str:
        """The first cited article's title, when it adds something to the quoted sentences.

        Quoted sentences often name the subject only as "the company" or "the singer"; the
        headline of the same article names it ("Amazon to cut 16,000 jobs"), so the answer
        leads with it.
        """
        if not self.evidence or not self.with_headline:
            return ""
        title = " ".join(str(self.evidence[0].document.metadata.get("title") or "").split())
        said = " ".join(e.sentence for e in self.evidence).lower()
        return "" if not title or title.lower() in said else title

    @property
    def declined(self) -> bool:
        return not self.evidence


class ExtractiveAnswerer:
    def __init__(self, *, min_relevance: float = 0.0, max_sentences: int = 2,
                 margin: float = 2.5, type_bonus: float = 1.0, min_confidence: float = 0.0,
                 weights: dict[str, float] | None = None, headline: bool = True,
                 short: ShortAnswerer | None = None, yesno: YesNoJudge | None = None):
        self.headline = headline
        self.short = short
        self.yesno = yesno
        self.min_relevance = min_relevance
        self.min_confidence = min_confidence
        self.weights = weights
        self.max_sentences = max_sentences
        self.margin = margin  # runners-up within this many points of the best are kept
        self.type_bonus = type_bonus

    def draft(self, question: str, reranked: Reranked, reference_day: int | None = None,
              today_day: int | None = None) -> Draft:
        """`reference_day` (YYYYMMDD) is the question's as-of day, if it has one; `today_day`
        the clock's day in a live index (what "latest" counts back from)."""
        if not reranked.documents:
            return Draft([], None, "no passages were retrieved")
        missing = missing_names(question, reranked.documents)
        if missing:
            return Draft([], None, f"no article found mentions {', '.join(missing)}")
        if not reranked.evidence:
            return Draft([], None, "the retrieved passages hold no full sentences")
        best = reranked.evidence[0].score
        if best < self.min_relevance:
            return Draft([], best, "no passage answers the question closely enough")

        kind = expected_type(question)

        def adjusted(item: Evidence) -> float:
            bonus = self.type_bonus if kind and holds_type(item.sentence, kind, question) else 0.0
            return item.score + bonus

        eligible = [e for e in reranked.evidence if e.score >= self.min_relevance]
        if kind in _PATTERNS and not any(holds_type(e.sentence, kind, question)
                                                  for e in eligible):
            return Draft([], best, f"no relevant passage gives a {kind}")
        ranked = sorted(eligible, key=lambda e: -adjusted(e))
        top = adjusted(ranked[0])
        chosen = [e for e in ranked[: self.max_sentences] if adjusted(e) >= top - self.margin]
        asked = asked_for(question)
        verdict = None
        if self.yesno is not None and asked.kind in ("yesno", "choice"):
            judged = self.yesno.judge(question, reranked) if asked.kind == "yesno" else \
                YesNo(None, list(reranked.evidence[:2]), "it asks to choose between alternatives")
            sources = [str(d.metadata.get("source") or "") for d in reranked.documents]
            if judged.verdict is None and (asked.kind == "choice" or is_comparison(question)
                                           or about_reports(question, sources)):
                return Draft([], best, judged.reason,
                             closest=tuple(judged.evidence))
            if judged.verdict is not None:
                verdict = judged.verdict
                merged = list(judged.evidence)
                merged += [e for e in chosen if all(e is not m for m in merged)]
                chosen = merged[: max(self.max_sentences, len(judged.evidence))]
        # Only sentences near the best may hold the short answer: a far weaker one (another
        # story) can share the asked-for type by chance.
        on_topic = Reranked(reranked.documents, [e for e in reranked.evidence
                                                 if e.score >= best - 2 * self.margin])
        short = self._short(question, on_topic, asked) if self.short and verdict is None else None
        if short is not None and short.sentence not in chosen:
            # The quote that holds the short answer supports it: it comes first.
            chosen = [short.sentence, *chosen][: self.max_sentences]
        # A description's score is not a probability of the span model: it is left out.
        found = signals(question, chosen[0], reranked, kind, reference_day,
                        short if short is not None and short.kind != "description" else None,
                        today_day=today_day)
        confidence = probability(found, self.weights)
        if confidence < self.min_confidence:
            return Draft([], best, "the best passage is not a confident enough match",
                         confidence, found)
        return Draft(chosen, best, None, confidence, found, with_headline=self.headline,
                     short=short, verdict=verdict)

    def _short(self, question: str, on_topic: Reranked, asked) -> ShortAnswer | None:
        """The bold answer: for "Who is X?" / "What is X?" the description the articles give
        of X (never another name), else the fact the short-answer model finds."""
        subject = subject_of(question)
        if subject is None:
            return self.short.answer(question, on_topic, asked)
        found = describe(subject, on_topic.evidence[: self.short.sentences])
        if found is None:
            return None
        return ShortAnswer(found.text, found.evidence.document, found.start, found.end, 0.0,
                           "description", found.evidence)
