"""Split a cleaned article into passages that fit the embedding model.

Passages are whole sentences packed up to a token budget measured with the embedding
model's own tokenizer (header included), overlapping by a sentence so that a fact spanning
a boundary is still found. Each passage keeps its character span in the cleaned text.
"""

from collections.abc import Callable
from dataclasses import dataclass

from newsqa.index.article import Article
from newsqa.index.sentences import Sentence, split_sentences

CountTokens = Callable[[list[str]], list[int]]


@dataclass(frozen=True)
class Passage:
    id: str
    article_id: str
    position: int
    start: int  # character offsets into the article's cleaned text
    end: int
    text: str
    header: str

    @property
    def embedding_text(self) -> str:
        return f"{self.header}\n{self.text}"


def passage_header(article: Article) -> str:
    """Title, source and date: embedded with every passage so it knows its context."""
    details = " · ".join(part for part in (article.source, article.published) if part)
    return f"{article.title}\n{details}" if details else article.title


def _split_long(sentence: Sentence, text: str, budget: int, count_tokens: CountTokens) -> list[Sentence]:
    """Cut a sentence longer than the budget into word windows that fit."""
    words = sentence.text.split(" ")
    pieces, current = [], []
    for word in words:
        candidate = current + [word]
        if current and count_tokens([" ".join(candidate)])[0] > budget:
            pieces.append(" ".join(current))
            current = [word]
        else:
            current = candidate
    if current:
        pieces.append(" ".join(current))
    out, cursor = [], sentence.start
    for piece in pieces:
        start = text.find(piece, cursor)
        out.append(Sentence(piece, start, start + len(piece)))
        cursor = start + len(piece)
    return out


def chunk_article(article: Article, *, max_tokens: int, count_tokens: CountTokens,
                  overlap_sentences: int = 1) -> list[Passage]:
    header = passage_header(article)
    budget = max_tokens - count_tokens([header])[0] - 3  # [CLS], [SEP] and the newline
    budget = max(budget, 16)
    sentences = split_sentences(article.text)
    sizes = count_tokens([s.text for s in sentences]) if sentences else []
    units: list[tuple[Sentence, int]] = []
    for sentence, size in zip(sentences, sizes):
        if size <= budget:
            units.append((sentence, size))
        else:
            for piece in _split_long(sentence, article.text, budget, count_tokens):
                units.append((piece, count_tokens([piece.text])[0]))

    groups: list[list[tuple[Sentence, int]]] = []
    current: list[tuple[Sentence, int]] = []
    used = 0
    for unit in units:
        if current and used + unit[1] > budget:
            groups.append(current)
            carry = current[-overlap_sentences:] if overlap_sentences else []
            # Overlap only when it leaves room for new text.
            while carry and sum(size for _, size in carry) + unit[1] > budget * 2 // 3:
                carry = carry[1:]
            current, used = list(carry), sum(size for _, size in carry)
        current.append(unit)
        used += unit[1]
    if current:
        groups.append(current)

    passages = []
    for position, group in enumerate(groups):
        start, end = group[0][0].start, group[-1][0].end
        passages.append(Passage(
            id=f"{article.id}#{position}",
            article_id=article.id,
            position=position,
            start=start,
            end=end,
            text=article.text[start:end],
            header=header,
        ))
    return passages
