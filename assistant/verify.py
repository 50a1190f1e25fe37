"""Check a generated answer sentence by sentence, and cite the passage that supports each.

Small models cite the wrong passage when asked to cite inline, and sometimes say what no
passage says. So citations are attached here, after generation: each answer sentence is
matched to the passages the model was given, and keeps its citation only when one passage
supports it.

The support score mixes two views: how many of the sentence's content words the passage
(with its title) contains, and the cross-encoder's score for the sentence against the
passage's closest sentences. Three hard checks catch what both views miss, the typical
errors of small models:

* words in quotation marks that the passage does not have, word for word;
* a number (digits or "two".."twenty") the passage does not have;
* a name the passage does not mention;
* a role swap: a name before a verb that the source puts after it ("Putin advised Macron"
  against "Macron advised Putin"; passives with "by" are left alone).

A sentence without content words ("Yes.") is neither supported nor refuted: it is kept only
next to a supported sentence. Sentences about "the passages" (the model describing its task),
repeats, and answers the cross-encoder finds off the question are dropped too: true
sentences that do not answer are not an answer.
"""

import math
import re
from dataclasses import dataclass, field

from langchain_core.documents import Document

from newsqa.assistant.answer import QUESTION_WORDS
from newsqa.assistant.prompt import INJECTION
from newsqa.assistant.rerank import CrossEncoder
from newsqa.assistant.words import content_stems, stopwords
from newsqa.index.sentences import split_sentences

_CANDIDATES_PER_SENTENCE = 6
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NAME_RUN = re.compile(r"(?:[A-Z][\w'’.-]*[\w])(?:\s+(?:of\s+|the\s+)?(?:[A-Z][\w'’.-]*[\w]))*")
_TOKEN = re.compile(r"[^\W_]+")
_QUOTED = re.compile(r"[\"“”]([^\"“”]{3,200})[\"“”]")


# "The answer is:" and the like carry nothing; sentences about the passages or the question
# are the model talking about its task, not reporting the news.
_PREAMBLE = re.compile(r"^\s*(?:(?:the )?(?:final )?answer(?: to the question)?(?: is)?\s*[:\-]\s*)",
                       re.I)
# The prompt's own layout echoed back ("[PART 1] title: …", "source: The Week"): a model
# copying its input's frame, not stating a fact, however many title words it repeats.
_LAYOUT = re.compile(r"\[\s*/?\s*[A-Z][A-Z ]{1,20}\d*\s*\]|\b(?:title|source|published)\s*:", re.I)
# Content words a sentence may add beyond its passage (the question's own words aside)
# before it counts as an embellishment: "…, which was a key part of his message" adds three.
MAX_ADDED_WORDS = 2
_META = re.compile(r"\b(?:passages?|the (?:question|answer) is|the provided (?:text|context))\b"
                   r"|\[/?PASSAGE", re.I)
_NOTHING_TO_CHECK = set(content_stems("yes no indeed correct right true false"))


def _adjacent(text: str, a, b) -> bool:
    """Two sentences with nothing but whitespace between them."""
    first, second = (a, b) if a.start < b.start else (b, a)
    return not text[first.end:second.start].strip()


def _flat(text: str) -> str:
    """Lowercase words only, so quotes compare across punctuation and spacing."""
    return " ".join(_TOKEN.findall(text.lower()))
# Capitalised at the start of a sentence by grammar, not because they name something.
_SENTENCE_OPENERS = frozenset({"yes", "no", "however", "also", "but", "still", "then", "there",
                               "instead", "meanwhile", "overall", "finally", "first", "second",
                               "both", "neither", "according", "although", "while", "after",
                               "before", "since", "during", "despite", "today", "yesterday"})


@dataclass
class SentenceCheck:
    sentence: str
    support: float = 0.0
    supported: bool = False
    reason: str | None = None  # why it was not supported
    document: Document | None = None
    start: int = 0  # quote offsets in document.page_content
    end: int = 0
    coverage: float = 0.0
    cross_encoder: float | None = None
    neutral: bool = False  # no content words: neither supported nor refuted


@dataclass
class Verification:
    checks: list[SentenceCheck] = field(default_factory=list)
    relevance: float | None = None  # cross-encoder: question vs the kept sentences

    @property
    def kept(self) -> list[SentenceCheck]:
        if not any(c.supported for c in self.checks):
            return []
        return [c for c in self.checks if c.supported or c.neutral]

    @property
    def dropped(self) -> list[SentenceCheck]:
        kept = {id(c) for c in self.kept}
        return [c for c in self.checks if id(c) not in kept]


def _words_of(sentence: str, stems: list[str]) -> list[str]:
    """The sentence's own words behind some stems ("messag" -> "message")."""
    wanted = set(stems)
    return list(dict.fromkeys(w for w in _TOKEN.findall(sentence)
                              if (content_stems(w) or [""])[0] in wanted))


def numbers_in(text: str) -> set[str]:
    found = {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}
    found |= {_NUMBER_WORDS[w] for w in _TOKEN.findall(text.lower()) if w in _NUMBER_WORDS}
    return found


def names_in(sentence: str, common: frozenset[str]) -> list[list[str]]:
    """Runs of capitalised words; a sentence's first word only when it is not a common word."""
    runs = []
    for match in _NAME_RUN.finditer(sentence):
        words = [w.removesuffix("'s").removesuffix("’s") for w in match.group().split()
                 if w not in ("of", "the")]
        words = [w for w in words if w.lower() not in common]
        if words:
            runs.append(words)
    return runs


def _mentions(word: str, flat_source: str) -> bool:
    """`Russian` matches `Russia`, `Macron's` matches `Macron`, `U.S.` matches `U.S.`:
    compare the first five letters of the word at a word start."""
    flat = _flat(word)
    if not flat:
        return True
    letters = flat.replace(" ", "")
    if word.replace(".", "").isupper() and len(letters) <= 5:  # US, U.S., UK, NATO
        return re.search(r"\b" + r"\s?".join(map(re.escape, letters)) + r"\b",
                         flat_source) is not None
    return re.search(r"\b" + re.escape(flat[:5]), flat_source) is not None


def _near(positions: list[int], anchors: list[int], before: int, after: int) -> bool:
    return any(-before <= p - a <= after and p != a for p in positions for a in anchors)


def role_swap(answer: str, source: str, common: frozenset[str] = frozenset()) -> str | None:
    """'X <verb> … Y' in the answer where the source has X as the object of the same verb.

    Only the pattern small models get wrong is checked: a name right before a verb, another
    name after it. The source contradicts it when X follows the verb there and Y does not
    ("The Russian president agreed to stay in contact with Macron" against "Macron agreed to
    stay in contact with Putin"), or when Y comes first ("Macron advised Putin" against
    "Putin advised Macron"). Passives ("advised by") reverse the order and are left alone.
    """
    a_tokens = [t.lower() for t in _TOKEN.findall(answer)]
    s_tokens = [t.lower() for t in _TOKEN.findall(source)]
    if "by" in a_tokens or "by" in s_tokens:
        return None
    names = [run[-1].lower() for run in names_in(answer, common)]
    names = [n for n in dict.fromkeys(names) if n in a_tokens]
    s_stems = [(content_stems(t) or [""])[0] for t in s_tokens]
    for subject in names:
        i = a_tokens.index(subject)
        verb = next((t for t in a_tokens[i + 1:i + 3] if t not in _SPEECH and content_stems(t)),
                    None)
        if verb is None:
            continue
        v = a_tokens.index(verb, i + 1)
        objects = [n for n in names if n != subject and a_tokens.index(n) > v]
        verb_at = [j for j, stem in enumerate(s_stems) if stem == content_stems(verb)[0]]
        if not objects or not verb_at:
            continue
        subject_at = [j for j, t in enumerate(s_tokens) if t == subject]
        if _near(subject_at, verb_at, 4, 0):
            continue  # the source has the same subject before the verb
        object_at = [j for j, t in enumerate(s_tokens) if t in objects]
        if _near(object_at, verb_at, 4, 0):  # the source: "<object> <verb>"
            return f"in the source {objects[0].title()} {verb}, not {subject.title()}"
        if _near(subject_at, verb_at, 0, 12) and not _near(object_at, verb_at, 0, 12):
            return f"in the source {subject.title()} is not the one who {verb}"
    return None


_SPEECH = {"said", "say", "says", "told", "tell", "tells", "added", "add", "adds", "noted",
           "according", "wrote", "write", "writes", "asked", "ask", "asks"}


class CitationVerifier:
    def __init__(self, cross_encoder: CrossEncoder, *, min_support: float = 0.5,
                 ce_weight: float = 0.5, min_relevance: float = 0.0):
        self.cross_encoder = cross_encoder
        self.min_relevance = min_relevance
        self.min_support = min_support
        self.ce_weight = ce_weight

    def verify(self, answer: str, documents: list[Document],
               question: str | None = None) -> Verification:
        """Check every sentence; with `question`, the kept ones must also answer it."""
        common = frozenset(QUESTION_WORDS | stopwords() | _SENTENCE_OPENERS)
        answer = _PREAMBLE.sub("", answer.strip())
        passages = self._evidence(documents)
        checks, seen = [], set()
        for part in split_sentences(answer):
            text = part.text.strip()
            if not text:
                continue
            key = _flat(text)
            if key in seen:
                checks.append(SentenceCheck(text, reason="repeats an earlier sentence"))
                continue
            seen.add(key)
            if _LAYOUT.search(text):
                checks.append(SentenceCheck(text, reason="echoes the prompt's layout, not the news"))
                continue
            if _META.search(text):
                checks.append(SentenceCheck(text, reason="talks about the passages, not the news"))
                continue
            checks.append(self._check(text, passages, common, question or ""))
        verification = Verification(checks)
        if question and verification.kept:
            # Short answers ("Mount Etna") score badly as passages, so judge what they stand
            # on: the passage text each kept sentence is cited to, against the question.
            quotes = [f"{c.document.metadata.get('title') or ''}. "
                      f"{c.document.page_content[c.start:c.end]}"
                      for c in verification.kept if c.supported]
            relevance = float(self.cross_encoder.score(question, quotes).max())
            verification.relevance = round(relevance, 3)
            if relevance < self.min_relevance:
                for check in checks:
                    if check.supported:
                        check.supported = False
                        check.reason = (f"does not answer the question (relevance "
                                        f"{relevance:.1f} < {self.min_relevance:.1f})")
        return verification

    @staticmethod
    def _evidence(documents: list[Document]) -> list[tuple[Document, object, set[str]]]:
        """Every passage sentence with its content words (and its title's), stemmed once
        per answer rather than once per answer sentence."""
        evidence = []
        for doc in documents:
            title = set(content_stems(doc.metadata.get("title") or ""))
            for part in split_sentences(doc.page_content):
                if INJECTION.search(part.text):
                    continue  # the model never saw it, and it is no evidence of anything
                evidence.append((doc, part, set(content_stems(part.text)) | title))
        return evidence

    def _check(self, sentence: str, passages, common, question: str = "") -> SentenceCheck:
        stems = set(content_stems(sentence)) - _NOTHING_TO_CHECK
        if not stems:
            return SentenceCheck(sentence, neutral=True, reason="states nothing to check")
        asked = set(content_stems(question))
        best_added: list[str] = []
        # (overlap, doc, sentence, its stems with the title's) over every passage sentence
        candidates = [(len(stems & bag) / len(stems), doc, part, bag)
                      for doc, part, bag in passages]
        if not candidates:
            return SentenceCheck(sentence, reason="no passage to check it against")
        candidates.sort(key=lambda c: -c[0])
        top = candidates[:_CANDIDATES_PER_SENTENCE]
        scores = self.cross_encoder.score(
            sentence, [f"{doc.metadata.get('title') or ''}. {part.text}" for _, doc, part, _ in top])
        best = None
        for (_, doc, part, bag), ce in zip(top, scores.tolist()):
            # An answer sentence may fuse two neighbouring sentences of one passage; words
            # from further away do not count (that is how spliced inventions look).
            partner = max((c for c in candidates if c[1] is doc and c[2] is not part
                           and _adjacent(doc.page_content, c[2], part)),
                          key=lambda c: len(stems & (bag | c[3])), default=None)
            words = bag | (partner[3] if partner else set())
            coverage = len(stems & words) / len(stems)
            added = sorted(stems - words - asked)
            support = self.ce_weight / (1 + math.exp(-ce)) + (1 - self.ce_weight) * coverage
            if best is None or support > best.support:
                start, end = part.start, part.end
                if partner and len(stems & words) > len(stems & bag):
                    start, end = min(start, partner[2].start), max(end, partner[2].end)
                best = SentenceCheck(sentence, support=round(support, 4), document=doc,
                                     start=start, end=end, coverage=round(coverage, 4),
                                     cross_encoder=round(ce, 3))
                best_added = added
        best.reason = self._refute(sentence, best, common, question)
        if best.reason is None and len(best_added) > MAX_ADDED_WORDS:
            best.reason = ("adds what the passage does not say: "
                           + ", ".join(w for w in _words_of(sentence, best_added)))
        if best.reason is None and best.support < self.min_support:
            best.reason = f"support {best.support:.2f} is below {self.min_support:.2f}"
        best.supported = best.reason is None
        return best

    @staticmethod
    def _refute(sentence: str, check: SentenceCheck, common, question: str = "") -> str | None:
        """Names and numbers the question itself gives count as given, not as invented."""
        doc = check.document
        source = f"{doc.metadata.get('title') or ''}\n{doc.page_content}\n{question}"
        flat_source = _flat(source)
        for quoted in _QUOTED.findall(sentence):
            if len(quoted.split()) >= 2 and _flat(quoted) not in flat_source:
                return f"the quote “{quoted.strip()}” is not in the passage"
        missing = numbers_in(sentence) - numbers_in(source)
        if missing:
            return f"the number {sorted(missing)[0]} is not in the passage"
        for run in names_in(sentence, common):
            if not _mentions(run[-1], flat_source):
                return f"the passage does not mention {' '.join(run)}"
        swapped = role_swap(sentence, doc.page_content[check.start:check.end], common)
        return f"roles swapped: {swapped}" if swapped else None
