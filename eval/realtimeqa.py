"""Adapter for the shared RealTime QA set (weekly news quizzes over search-result articles).

Read in place from `<data root>/realtimeqa/<part>/`:
* corpus: the whole part's `docs.jsonl` as ONE index (first version: every week's
  articles together, which is simpler and harder than the per-week corpora of the
  benchmark; per-question as-of filtering comes later);
* questions: gold = `answer`; answerable = `answerable_in_corpus`; evidence article ids =
  `evidence_doc_ids`; as_of = `question_date`; no evidence quote (the quiz's explanation
  sentence is not corpus text).
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


def load_questions(folder: Path) -> list[TestQuestion]:
    path = folder / "questions.jsonl"
    return [to_question(record, f"{path}:{number}") for number, record in read_jsonl(path)]


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
