"""Pick the few sentences worth the cross-encoder's time, from features that cost microseconds.

The cross-encoder costs ~20 ms a sentence on one core here and is most of every answer, so
it only sees a shortlist. Each candidate sentence gets a handful of cheap features: the
question's words it holds (weighted by how rare each is among the candidates) and how many
of them, those its passage's title adds, adjacent question-word pairs it repeats, how high
the retriever ranked its passage (fused rank, dense similarity, keyword score), whether it
opens its article, its length, and whether it holds the kind of fact asked for (a date for
"when", a number for "how many", a name the question does not already hold for "who" /
"which"). The shipped weights score the question's rare words the sentence holds, half
those its title adds, and the passage's rank; `newsqa calibrate-shortlist` fits weights over
all the features and replays the answer step with them. Fitted on realtimeqa-dev and
multihop-dev and cross-validated by question, they kept the cross-encoder's best sentence no
more often than these (docs/performance.md "A learned sentence shortlist"), so these stay.
"""

import math
import re
from collections import Counter

import numpy as np
from langchain_core.documents import Document

from newsqa.assistant.asks import asked_for
from newsqa.assistant.words import content_stems

FEATURES = ("own", "coverage", "title", "bigram", "rank", "dense", "keyword", "lead",
            "length", "typed")

# Unfitted: fitting by `newsqa calibrate-shortlist` did not beat them (see the docstring).
WEIGHTS: dict[str, float] = {"own": 1.0, "title": 0.5, "rank": 1.0}

_MONTH = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|yesterday|today|tonight|week|month|year|decade|"
    r"(?:18|19|20)\d\d)\b", re.IGNORECASE)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|"
    r"thousand|million|billion|trillion|percent|half|third|quarter)s?\b", re.IGNORECASE)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'-]+")
_NAME_KINDS = frozenset({"person", "place", "org", "thing"})


def _typed(kind: str | None, text: str, asked_stems: set[str]) -> float:
    """1 when the sentence holds the kind of fact the question asks for."""
    if kind in ("date", "duration"):
        return float(bool(_MONTH.search(text)))
    if kind == "number":
        return float(bool(_NUMBER.search(text)))
    if kind in _NAME_KINDS:
        names = {stem for word in _NAME.findall(text) for stem in content_stems(word)}
        return float(bool(names - asked_stems))
    return 0.0


def sentence_features(question: str, pairs: list[tuple[Document, object]], *,
                      typed: bool = True) -> np.ndarray:
    """One row of `FEATURES` per (passage, sentence) pair. `typed=False` leaves that column 0
    and spares the spaCy parse of the question it needs."""
    asked_list = content_stems(question)
    asked = set(asked_list)
    asked_bigrams = set(zip(asked_list, asked_list[1:]))
    kind = asked_for(question).kind if typed else None
    titles: dict[int, set[str]] = {}
    ranks: dict[int, int] = {}
    stems = []
    for doc, sentence in pairs:
        if id(doc) not in titles:
            titles[id(doc)] = set(content_stems(doc.metadata.get("title") or ""))
            ranks[id(doc)] = len(ranks)
        stems.append(content_stems(sentence.text))
    bags = [set(s) for s in stems]
    frequency = Counter(word for bag in bags for word in bag & asked)
    weight = {w: math.log(1 + len(bags) / (1 + frequency[w])) for w in asked}
    total = sum(weight.values()) or 1.0
    keyword_best = max((doc.metadata.get("keyword_score") or 0.0 for doc, _ in pairs),
                       default=0.0) or 1.0
    rows = []
    for (doc, sentence), words, bag in zip(pairs, stems, bags):
        own = sum(weight[w] for w in bag & asked)
        title = sum(weight[w] for w in (titles[id(doc)] - bag) & asked)
        meta = doc.metadata
        rows.append((
            own,
            own / total,
            title,
            float(len(set(zip(words, words[1:])) & asked_bigrams)),
            1.0 / (1 + ranks[id(doc)]),
            float(meta.get("dense_score") or 0.0),
            float(meta.get("keyword_score") or 0.0) / keyword_best,
            float(meta.get("position", 1) == 0 and sentence.start == 0),
            min(len(words), 40) / 40,
            _typed(kind, sentence.text, asked),
        ))
    return np.array(rows, dtype=np.float64).reshape(len(pairs), len(FEATURES))


def shortlist_scores(features: np.ndarray, weights: dict[str, float] = WEIGHTS) -> np.ndarray:
    vector = np.array([weights.get(name, 0.0) for name in FEATURES])
    return features @ vector + weights.get("bias", 0.0)


def top(features: np.ndarray, weights: dict[str, float], limit: int) -> list[int]:
    """Indices (in passage order) of the `limit` best-scoring rows; ties keep passage order.
    `limit` 0, or no more rows than it, keeps every row."""
    if limit <= 0 or len(features) <= limit:
        return list(range(len(features)))
    return highest(shortlist_scores(features, weights), limit)


def highest(scores: np.ndarray, limit: int) -> list[int]:
    """Indices (in passage order) of the `limit` highest scores; ties keep passage order."""
    if limit <= 0 or len(scores) <= limit:
        return list(range(len(scores)))
    return sorted(sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:limit])


def shortlist(question: str, pairs: list[tuple[Document, object]], limit: int,
              weights: dict[str, float] = WEIGHTS) -> list[int]:
    """Indices (in passage order) of the `limit` sentences most worth scoring."""
    if len(pairs) <= limit:
        return list(range(len(pairs)))
    return top(sentence_features(question, pairs, typed=bool(weights.get("typed"))), weights,
               limit)
