"""Adapter for the shared RealTime QA set (weekly news quizzes over search-result articles).

Read in place from `<data root>/realtimeqa/<part>/`:
* corpus: the whole part's `docs.jsonl` as ONE index (first version: every week's
  articles together, which is simpler and harder than the per-week corpora of the
  benchmark; per-question as-of filtering comes later);
* questions: gold = `answer`; answerable = `answerable_in_corpus`; evidence article ids =
  `evidence_doc_ids`; as_of = `question_date`; no evidence quote (the quiz's explanation
  sentence is not corpus text).
* strict_answerable: answerable, and the gold occurs in a *sentence* of an evidence document
  that also holds at least two of the question's content words (all of them when it has
  fewer): the set's own flag is lexical over whole documents and counts chance matches
  ("Hawk" in a story about birds in another country);
* type: `needs-choices` when the wording refers to the option list ("which of the
  following"; free-text grading under-counts those), else the quiz publisher (`cnn`,
  `the-week`), since CNN and The Week quizzes differ in style.
"""

import re
from pathlib import Path

from newsqa.eval.corpus import Corpus, CorpusError, read_jsonl, write_jsonl
from newsqa.eval.testset import TestQuestion, TestSetError

ADAPTER_VERSION = "realtimeqa-1"
DOC_FIELDS = ("id", "title", "text", "url", "source", "published_date")


def question_type(record: dict) -> str:
    if record.get("needs_choices"):
        return "needs-choices"
    source = str(record.get("question_source") or "unknown")
    return re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-") or "unknown"


def to_question(record: dict, origin: str) -> TestQuestion:
    try:
        return TestQuestion(
            id=str(record["id"]),
            question=record["question"],
            answer=record["answer"],
            evidence={"article_ids": list(record.get("evidence_doc_ids") or [])},
            answerable=bool(record.get("answerable_in_corpus")),
            as_of=record.get("question_date"),
            type=question_type(record),
        )
    except (KeyError, ValueError) as error:
        raise TestSetError(f"{origin}: cannot read RealTime QA question ({error})") from None


def holds_in_context(question: str, gold: str, text: str) -> bool:
    """The gold and the question's key words in one sentence of `text` (strict answerable)."""
    from newsqa.assistant.words import content_stems
    from newsqa.eval.normalize import contains_answer
    from newsqa.index.sentences import split_sentences

    asked = set(content_stems(question)) - set(content_stems(gold))
    need = min(2, len(asked))
    for paragraph in text.split("\n"):
        if not contains_answer(paragraph, gold):
            continue  # splitting sentences is the slow part: only where the gold occurs
        for sentence in split_sentences(paragraph):
            if contains_answer(sentence.text, gold) and \
                    len(asked & set(content_stems(sentence.text))) >= need:
                return True
    return False


def load_questions(folder: Path) -> list[TestQuestion]:
    path = folder / "questions.jsonl"
    questions = [to_question(record, f"{path}:{number}") for number, record in read_jsonl(path)]
    wanted = {a for q in questions if q.answerable for a in q.evidence.article_ids}
    texts = {record["id"]: record.get("text") or "" for _, record in read_jsonl(folder / "docs.jsonl")
             if record.get("id") in wanted}
    for q in questions:
        q.strict_answerable = bool(q.answerable) and any(
            holds_in_context(q.question, q.answer, texts.get(a, "")) for a in q.evidence.article_ids)
    return questions


def _derive(docs: Path):
    def derive(folder: Path) -> list[Path]:
        def records():
            for number, record in read_jsonl(docs):
                if not record.get("id"):
                    raise CorpusError(f"{docs}:{number}: document without an id")
                yield {key: record.get(key) for key in DOC_FIELDS}

        return [write_jsonl(folder / "corpus.jsonl", records())]

    return derive


def corpus(folder: Path) -> Corpus:
    docs = folder / "docs.jsonl"
    return Corpus(name=f"realtimeqa/{folder.name}", sources=(docs,), derive=_derive(docs),
                  version=ADAPTER_VERSION)
