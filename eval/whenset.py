"""A "When ...?" test set made by script from the RealTime QA DEV documents.

Why: news text dates events relative to the article ("on Friday", "yesterday", "Sunday
evening"), and a "When ...?" answer must turn that into a calendar date from the article's
publication date. The quiz questions of RealTime QA hardly ask that, so this set does.

How (deterministic, no hand-picking; generated when loaded, nothing from the data is
written into the repo):
1. Documents with a `published_date`, in doc-id order. Only sentences a regex finds a
   weekday name or "yesterday" in are parsed (spaCy, `newsqa.assistant.nlp.parse_many`).
2. A sentence is kept when exactly one relative day ("on Friday", "Friday", "last Friday",
   "Friday evening", "late Friday", "yesterday") attaches to its ROOT verb (directly, or
   through "on"); the root is past tense (VBD, or VBN under was/were/has/had), not negated,
   and has a nominal subject that is not a pronoun. Skipped: quotes, questions, sentences
   over 40 words, and sentences with a second date (a month, a year, another weekday,
   today/tomorrow/tonight/ago), so that the gold is unambiguous.
3. The question is rebuilt from spaCy's tokens: "When did <subject> <lemma> <rest>?" for
   active and perfect roots, "When was/were <subject> <participle> <rest>?" for passive
   ones, the day expression left out; trailing clauses after a comma are dropped while the
   question is over 25 words (and the sentence skipped if that does not help).
4. The gold is computed with plain `datetime` arithmetic, independent of the product's
   `newsqa.index.eventdates` (it must not share code with what it measures): "yesterday" =
   published - 1 day; "<Weekday>" = the latest such weekday on or before publication (the
   same weekday is the publication day); "last <Weekday>" = the latest one strictly before.
5. At most 2 questions per document (the first in text order), a repeated question is
   kept once, first `limit` in doc-id order (default 120).
"""

import re
from datetime import date, timedelta
from pathlib import Path

from newsqa.eval.corpus import read_jsonl
from newsqa.eval.testset import TestQuestion

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PARTS_OF_DAY = {"morning", "afternoon", "evening", "night"}
# Words a day expression may hold besides the weekday / "yesterday" itself.
DAY_WORDS = {"on", "last", "late", "early", "later", "earlier", *PARTS_OF_DAY}
PRONOUNS = {"i", "you", "he", "she", "it", "we", "they", "this", "that", "these", "those",
            "who", "which", "what", "one", "someone", "somebody", "anyone", "everyone", "all",
            "some", "both", "each", "many", "none", "there"}
PAST_AUX = {"was", "were", "has", "have", "had"}
TAIL_DEPS = {"advcl", "conj", "ccomp", "parataxis", "npadvmod", "prep"}
SKIP_DEPS = {"aux", "auxpass", "nsubj", "nsubjpass", "neg", "intj"}
FILLERS = {"also", "however", "meanwhile", "then", "too"}
NEEDS_OBJECT = {"say", "tell", "add", "write", "note", "explain", "report", "announce",
                "confirm", "state", "warn", "tweet", "post"}
OBJECT_DEPS = {"ccomp", "xcomp", "parataxis", "dobj"}
TRAILING = {".", ",", ";", ":", "!", "-", "—", "–"}
MAX_SENTENCE_WORDS, MAX_QUESTION_WORDS = 40, 25
PER_DOCUMENT, DEFAULT_LIMIT = 2, 120

_DAY = re.compile(r"\b(?:%s|[Yy]esterday)\b" % "|".join(WEEKDAYS))
_SECOND_DATE = re.compile(
    r"\b(?:January|February|March|April|June|July|August|September|October|November|December"
    r"|Jan|Feb|Aug|Sept?|Oct|Nov|Dec)\b|\bMay \d|\b(?:1[89]|20)\d\d\b"
    r"|\b(?:today|tomorrow|tonight|ago|weekend)\b"
    r"|\b(?:next|last|this|earlier this|later this) (?:week|month|year)\b", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[\"“”‘„«»;:]")  # quotes; lists and glued text after ":"


def gold_day(word: str, published: date, last: bool = False) -> date:
    """The calendar date `word` ("yesterday" or a weekday name) means in an article
    published on `published`; `last` for "last <Weekday>" (strictly before)."""
    if word.lower() == "yesterday":
        return published - timedelta(days=1)
    back = (published.weekday() - WEEKDAYS.index(word.capitalize())) % 7
    return published - timedelta(days=back or (7 if last else 0))


def date_strings(day: date) -> tuple[str, list[str]]:
    """'January 28, 2022' and its aliases ('Jan. 28, 2022', '28 January 2022', ...)."""
    month, short = f"{day:%B}", f"{day:%b}"
    aliases = [f"{day.day} {month} {day.year}", day.isoformat()]
    if short != month:  # no "May." for May
        aliases[:0] = [f"{short}. {day.day}, {day.year}", f"{short} {day.day}, {day.year}"]
    if month == "September":
        aliases.insert(0, f"Sept. {day.day}, {day.year}")
    return f"{month} {day.day}, {day.year}", aliases


def _day_expression(root):
    """(tokens of the day expression, its weekday/'yesterday' word, whether 'last') when
    exactly one relative day attaches to `root`, else None."""
    found = []
    for token in root.doc:
        if token.text not in WEEKDAYS and token.lower_ != "yesterday":
            continue
        anchor = token
        if anchor.dep_ in ("compound", "nmod") and anchor.head.lower_ in PARTS_OF_DAY:
            anchor = anchor.head  # "Friday evening"
        top = anchor.head if anchor.dep_ == "pobj" and anchor.head.lower_ == "on" else anchor
        if top.head.i != root.i or top.dep_ not in ("npadvmod", "prep", "tmod", "obl"):
            return None  # a relative day elsewhere in the sentence: not unambiguous
        span = list(top.subtree)
        if any(t.i != token.i and t.lower_ not in DAY_WORDS for t in span):
            return None  # "next Friday", "this Friday", "Friday, Jan. 28", ...
        found.append((span, token.text, any(t.lower_ == "last" for t in span)))
    return found[0] if len(found) == 1 else None


def _subject(root):
    """The root's one nominal subject when it is not a pronoun and sits, in one piece,
    before the verb; else None."""
    subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")]
    if len(subjects) != 1:
        return None
    head, tokens = subjects[0], list(subjects[0].subtree)
    if head.tag_ in ("PRP", "WP", "EX") or head.lower_ in PRONOUNS:
        return None
    if tokens[-1].i >= root.i or tokens[-1].i - tokens[0].i + 1 != len(tokens):
        return None
    return tokens


def _join(tokens, replace: dict[int, str] | None = None) -> str:
    """Text of `tokens` (in sentence order), spaced as in the sentence where they touch;
    `replace` gives other words for some token indexes (a lemma for a past tense)."""
    replace = replace or {}
    out = []
    for token, nxt in zip(tokens, [*tokens[1:], None]):
        touching = nxt is not None and nxt.i == token.i + 1
        out.append(replace.get(token.i, token.text) + (token.whitespace_ if touching else " "))
    text = re.sub(r"\s+", " ", "".join(out)).strip()
    text = re.sub(r"\s+([,.])(?=\s|$)", r"\1", text)
    return re.sub(r",(?:\s*,)+", ",", text).strip(" ,")


def _common_first_word(subject, article: str) -> bool:
    """Whether the subject's capitalised first word is not a name: a determiner ("The"),
    or a common noun the article also writes in lower case ("Police"), not a title
    before a name ("President Joe Biden")."""
    first = subject[0]
    if first.tag_ in ("DT", "PDT", "PRP$", "CD"):
        return True
    title = first.tag_.startswith("NN") and len(subject) > 1 and subject[1].text[:1].isupper()
    return (first.i == 0 and not title
            and re.search(rf"\b{re.escape(first.lower_)}\b", article) is not None)


def _verb(root):
    """('did', lemma) for a past active or perfect root, ('was'/'were', participle) for a
    past passive one, None for anything else (present, future, modal, negated, "was")."""
    aux = {c.lower_ for c in root.children if c.dep_ in ("aux", "auxpass")}
    if any(c.dep_ == "neg" for c in root.children):
        return None
    if root.lemma_ in ("be", "spend"):  # "was Friday", "spent Saturday night ..."
        return None
    if root.tag_ == "VBD" and not aux:
        return "did", root.lemma_
    if root.tag_ != "VBN" or not aux & PAST_AUX or not aux <= PAST_AUX | {"been"}:
        return None
    if not any(c.dep_ == "auxpass" for c in root.children):
        return "did", root.lemma_  # "has announced" -> "did ... announce"
    if aux & {"was", "were"}:
        return min(aux & {"was", "were"}), root.text
    subject = next(c for c in root.children if c.dep_ == "nsubjpass")
    plural = subject.tag_ in ("NNS", "NNPS") or "have" in aux
    return ("were" if plural else "was"), root.text


def build_question(doc, published: date, article: str = "") -> tuple[str, date] | None:
    """(question, gold date) from a parsed one-sentence `doc`, or None when it does not
    fit; `article` (the whole text) tells a capitalised first word that is a common noun."""
    text = doc.text.strip()
    if (not text[:1].isalnum() or not text.endswith(".") or _PUNCTUATION.search(text)
            or len(list(doc.sents)) != 1 or sum(not t.is_punct for t in doc) > MAX_SENTENCE_WORDS
            or _SECOND_DATE.search(text) or len(_DAY.findall(text)) != 1):
        return None
    root = doc[:].root
    verb, subject, expression = _verb(root), _subject(root), _day_expression(root)
    if verb is None or subject is None or expression is None:
        return None
    span, word, last = expression
    first, end = subject[0].i, subject[-1].i
    day = {t.i for t in span}
    before = [c for c in root.children if c.i < first and c.i not in day]
    if any(c.dep_ in ("ccomp", "parataxis") for c in before):
        return None  # "<what was said>, the agency said Friday": the content is before
    # Before the subject only phrases that name something are kept ("In Ohio, ..."),
    # moved to the end; between subject and verb the adverbs stay ("also").
    front = [t for c in before if c.dep_ == "prep" and any(t.pos_ == "PROPN" for t in c.subtree)
             for t in c.subtree]
    kept = [c for c in root.children if c.i not in day and c.dep_ not in SKIP_DEPS
            and c.lower_ not in FILLERS]
    middle = [t for c in kept if end < c.i < root.i and c.dep_ != "punct" for t in c.subtree]
    after = sorted((t for c in kept if c.i > root.i for t in c.subtree if t.i not in day),
                   key=lambda t: t.i)
    # A second verb shares the question's tense ("backed ... and issued" -> "... and issue")
    # or goes, with its own subject ("..., but the judge remained ...") from its "and" on.
    lemmas = {}
    for conj in (c for c in kept if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")):
        if any(c.dep_.startswith("nsubj") for c in conj.children):
            joint = [c.i for c in kept if c.dep_ in ("cc", "punct") and root.i < c.i < conj.i]
            cut = joint[-1] if joint else conj.left_edge.i
            after = [t for t in after if t.i < cut]
        elif conj.tag_ not in ("VBD", "VBN"):
            return None  # "... intensified and is expected to ..."
        elif verb[0] == "did" and conj.tag_ == "VBD":
            lemmas[conj.i] = conj.lemma_
    if root.lemma_ in NEEDS_OBJECT and not any(c.dep_ in OBJECT_DEPS for c in kept if c.i > root.i):
        return None  # "When did the agency say?"
    who = _join(subject)
    if any(t.text == "," for t in subject[:-1]) and ", " in doc[end:end + 2].text_with_ws:
        who += ","  # "Jane Doe, 39, was ..." keeps its second comma
    if _common_first_word(subject, article):
        who = who[0].lower() + who[1:]  # "The council" -> "the council"
    place = _join(front)
    place = place[:1].lower() + place[1:]
    cuts = [c.left_edge.i - 1 for c in kept if c.i > root.i and c.dep_ in TAIL_DEPS
            and doc[c.left_edge.i - 1].text == ","]
    while True:
        while after and after[-1].text in TRAILING:
            after.pop()
        words = [verb[0], who, _join(middle), verb[1], _join(after, lemmas), place]
        question = "When " + " ".join(w for w in words if w) + "?"
        if len(question.split()) <= MAX_QUESTION_WORDS:
            return question, gold_day(word, published, last)
        if not cuts:
            return None  # still too long after dropping the clause tails
        cut = cuts.pop()
        after = [t for t in after if t.i < cut]


def candidate_sentences(text: str) -> list[str]:
    """Sentences of `text` that name a weekday or "yesterday" (the cheap pre-filter)."""
    from newsqa.index.sentences import split_sentences

    found = []
    for paragraph in text.split("\n"):
        if _DAY.search(paragraph):
            found.extend(s.text for s in split_sentences(paragraph) if _DAY.search(s.text))
    return found


def make_questions(folder: Path, limit: int = DEFAULT_LIMIT) -> list[TestQuestion]:
    """Up to `limit` when-questions from `folder/docs.jsonl` (see the module docstring)."""
    from newsqa.assistant.nlp import parse_many

    docs = sorted((r for _, r in read_jsonl(Path(folder) / "docs.jsonl")
                   if r.get("id") and r.get("published_date")), key=lambda r: r["id"])
    questions: list[TestQuestion] = []
    seen: set[str] = set()
    for record in docs:
        if len(questions) >= limit:
            break
        published = date.fromisoformat(record["published_date"])
        text = record.get("text") or ""
        sentences = candidate_sentences(text)
        made = 0
        for sentence, parsed in zip(sentences, parse_many(sentences)):
            built = build_question(parsed, published, text)
            if built is None or built[0].lower() in seen:
                continue
            question, day = built
            seen.add(question.lower())
            made += 1
            answer, aliases = date_strings(day)
            questions.append(TestQuestion(
                id=f"when-{record['id']}-{made}", question=question, answer=answer,
                aliases=aliases, evidence={"article_ids": [record["id"]], "quote": sentence},
                answerable=True, as_of=None, type="when"))
            if made >= PER_DOCUMENT or len(questions) >= limit:
                break
    return questions


def load_questions(folder: Path) -> list[TestQuestion]:
    """The registry's loader: `make_questions` with the default limit."""
    return make_questions(folder)
