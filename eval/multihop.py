"""Adapter for the shared MultiHop-RAG set (multi-article questions over 2023 tech/business news).

Read in place from `<data root>/multihop-rag/<part>/`. The set ships no article bodies, so
an article's text is its `evidence_sentences` joined by newlines, with title, source, url
and published_at as metadata (much easier retrieval than the published setting: every
indexed sentence is gold evidence for some question).

Questions: gold = `answer`; type = `question_type`; evidence ids = `evidence_article_ids`;
evidence quotes = the gold `fact` sentences. `null_query` questions (gold "Insufficient
information.") are unanswerable: their gold becomes "" and the assistant must decline.
Yes/No golds (most comparison and temporal questions) are scored by whether the answer
states Yes/No; an extractive answerer quotes sentences and rarely does, which is expected.
"""

from pathlib import Path

from newsqa.eval.corpus import Corpus, CorpusError, read_jsonl, write_jsonl
from newsqa.eval.testset import TestQuestion, TestSetError

ADAPTER_VERSION = "multihop-1"
NULL_TYPE = "null_query"


def to_question(record: dict, origin: str) -> TestQuestion:
    try:
        unanswerable = record["question_type"] == NULL_TYPE
        facts = [item["fact"] for item in record.get("evidence") or [] if item.get("fact")]
        return TestQuestion(
            id=str(record["id"]),
            question=record["question"],
            answer="" if unanswerable else record["answer"],
            evidence={"article_ids": list(record.get("evidence_article_ids") or []),
                      "quote": facts or None},
            answerable=not unanswerable,
            type=record["question_type"],
        )
    except (KeyError, TypeError, ValueError) as error:
        raise TestSetError(f"{origin}: cannot read MultiHop-RAG question ({error})") from None


def load_questions(folder: Path) -> list[TestQuestion]:
    path = folder / "questions.jsonl"
    return [to_question(record, f"{path}:{number}") for number, record in read_jsonl(path)]


def to_article(record: dict, origin: str) -> dict:
    sentences = record.get("evidence_sentences") or []
    if not record.get("id") or not sentences:
        raise CorpusError(f"{origin}: article needs an id and evidence_sentences")
    return {
        "id": record["id"],
        "title": record.get("title") or "",
        "text": "\n".join(sentences),
        "source": record.get("source"),
        "url": record.get("url"),
        "published_at": record.get("published_at"),
        "author": record.get("author"),
    }


def _derive(articles: Path):
    def derive(folder: Path) -> list[Path]:
        records = (to_article(record, f"{articles}:{number}")
                   for number, record in read_jsonl(articles))
        return [write_jsonl(folder / "corpus.jsonl", records)]

    return derive


def corpus(folder: Path) -> Corpus:
    articles = folder / "articles.jsonl"
    return Corpus(name=f"multihop-rag/{folder.name}", sources=(articles,),
                  derive=_derive(articles), version=ADAPTER_VERSION)
