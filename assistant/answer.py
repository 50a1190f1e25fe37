"""Answer a question from retrieved passages without an LLM, or decline.

Every sentence of the retrieved passages is scored against the question by a cross-encoder
(a relevance model, not keyword overlap), with the article title as context so that "the
Russian leader" can match a question about Putin. The answer is the best sentence, plus
close runners-up, each quoted verbatim: an extractive answer cannot say anything the
articles do not say. It declines when the best score is below `min_relevance`, or when
the question names someone or something that no retrieved passage mentions.
"""

import re
from dataclasses import dataclass

from langchain_core.documents import Document

from newsqa.assistant.rerank import CrossEncoder
from newsqa.index.sentences import split_sentences

NOT_FOUND = "I could not find this in the indexed articles."

# Capitalised words that start questions rather than name things.
_QUESTION_WORDS = {
    "what", "who", "whom", "whose", "which", "when", "where", "why", "how", "did", "do", "does",
    "is", "are", "was", "were", "has", "have", "had", "can", "could", "will", "would", "should",
    "in", "on", "at", "according", "after", "before", "the", "a", "an", "of", "for", "to", "and",
    "this", "that", "these", "those", "as", "by", "with", "from", "about", "i", "it", "its",
    "name", "tell", "list", "give", "describe", "explain", "per", "if", "since", "during",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}
_NAME_RUN = re.compile(r"(?:[A-Z][\w'’.-]*[\w.])(?:\s+(?:[A-Z][\w'’.-]*[\w.]))*")
_MIN_SENTENCE_WORDS = 4


def question_names(question: str) -> list[list[str]]:
    """Runs of capitalised words in the question (e.g. [['Joe', 'Biden'], ['NATO']])."""
    names = []
    for match in _NAME_RUN.finditer(question):
        words = [w.strip(".").removesuffix("'s").removesuffix("’s") for w in match.group().split()]
        words = [w for w in words if w and w.lower() not in _QUESTION_WORDS]
        if words:
            names.append(words)
    return names


def missing_names(question: str, documents: list[Document]) -> list[str]:
    """Names in the question that no retrieved passage (or its title) mentions at all."""
    haystack = " ".join(f"{d.metadata.get('title', '')} {d.page_content}" for d in documents).lower()
    missing = []
    for words in question_names(question):
        if not any(re.search(rf"\b{re.escape(w.lower())}", haystack) for w in words):
            missing.append(" ".join(words))
    return missing


@dataclass(frozen=True)
class Evidence:
    """One sentence chosen for the answer, and the passage it is quoted from."""

    sentence: str
    start: int  # offsets into the passage text
    end: int
    score: float
    document: Document


@dataclass(frozen=True)
class Draft:
    evidence: list[Evidence]
    best_score: float | None
    decline_reason: str | None = None

    @property
    def declined(self) -> bool:
        return not self.evidence


class ExtractiveAnswerer:
    def __init__(self, reranker: CrossEncoder, *, min_relevance: float = 0.0,
                 max_sentences: int = 2, margin: float = 2.5):
        self.reranker = reranker
        self.min_relevance = min_relevance
        self.max_sentences = max_sentences
        self.margin = margin  # runners-up within this many points of the best are kept

    def candidates(self, documents: list[Document]) -> list[Evidence]:
        seen: set[str] = set()
        out = []
        for doc in documents:
            for sentence in split_sentences(doc.page_content):
                key = " ".join(sentence.text.lower().split())
                if key in seen or len(sentence.text.split()) < _MIN_SENTENCE_WORDS:
                    continue
                seen.add(key)
                out.append(Evidence(sentence.text, sentence.start, sentence.end, 0.0, doc))
        return out

    def draft(self, question: str, documents: list[Document]) -> Draft:
        if not documents:
            return Draft([], None, "no passages were retrieved")
        missing = missing_names(question, documents)
        if missing:
            return Draft([], None, f"no article found mentions {', '.join(missing)}")
        candidates = self.candidates(documents)
        if not candidates:
            return Draft([], None, "the retrieved passages hold no full sentences")
        texts = [f"{c.document.metadata.get('title', '')}. {c.sentence}" for c in candidates]
        scores = self.reranker.score(question, texts)
        ranked = sorted(zip(scores.tolist(), candidates), key=lambda pair: -pair[0])
        best = ranked[0][0]
        if best < self.min_relevance:
            return Draft([], best, "no passage answers the question closely enough")
        floor = max(self.min_relevance, best - self.margin)
        chosen = [Evidence(c.sentence, c.start, c.end, score, c.document)
                  for score, c in ranked[: self.max_sentences] if score >= floor]
        return Draft(chosen, best)
