"""Split a cleaned article into passages that fit the embedding model.

Passages are whole sentences packed up to a token budget measured with the embedding
model's own tokenizer (header included), overlapping by a sentence so that a fact spanning
a boundary is still found. Each passage keeps its character span in the cleaned text.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from newsqa.index.article import Article
from newsqa.index.sentences import Sentence, split_sentences

CountTokens = Callable[[list[str]], list[int]]
_MAX_WORD_CHARS = 40  # a longer run without spaces is cut (URLs, base64, junk)
_MAX_CHARS_PER_TOKEN = 20  # a sentence with more characters per token than this is cut too


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


def _split_long(sentence: Sentence, budget: int,
                count_tokens: CountTokens) -> list[tuple[Sentence, int]]:
    """Cut a sentence longer than the budget into word windows that fit, with their sizes.

    Words are counted once each, in one batch, and their counts summed, so even a 300 kB
    line without punctuation is cut in one pass; a "word" longer than `_MAX_WORD_CHARS`
    (a run without spaces) is first cut into pieces, so no passage can hide a huge one.
    """
    spans = []
    for word in re.finditer(r"\S+", sentence.text):
        start, end = word.span()
        while end - start > _MAX_WORD_CHARS:
            spans.append((start, start + _MAX_WORD_CHARS))
            start += _MAX_WORD_CHARS
        spans.append((start, end))
    sizes = count_tokens([sentence.text[s:e] for s, e in spans])
    pieces: list[tuple[int, int, int]] = []  # start, end, summed size
    first, last, used = None, 0, 0
    for (start, end), size in zip(spans, sizes):
        if first is not None and used + size > budget:
            pieces.append((first, last, used))
            first, used = None, 0
        if first is None:
            first = start
        used += size
        last = end
    if first is not None:
        pieces.append((first, last, used))
    out = []
    recounted = count_tokens([sentence.text[start:end] for start, end, _ in pieces])
    for (start, end, summed), size in zip(pieces, recounted):
        piece = Sentence(sentence.text[start:end], sentence.start + start, sentence.start + end)
        if size > budget:  # the sum undercounted (rare): cut at spaces until it fits
            out.extend((half, count_tokens([half.text])[0])
                       for half in _halves(piece, budget, count_tokens))
        else:  # a long run without spaces counts as one token whole: keep the larger count
            out.append((piece, max(size, summed)))
    return out


def _halves(sentence: Sentence, budget: int, count_tokens: CountTokens) -> list[Sentence]:
    """A window that did not fit after all, cut at the middle space (rare)."""
    if count_tokens([sentence.text])[0] <= budget or " " not in sentence.text:
        return [sentence]
    middle = sentence.text.rfind(" ", 0, len(sentence.text) // 2 + 1)
    if middle <= 0:
        middle = sentence.text.find(" ")
    left = Sentence(sentence.text[:middle], sentence.start, sentence.start + middle)
    rest = sentence.text[middle:].lstrip()
    right_start = sentence.end - len(rest)
    right = Sentence(rest, right_start, sentence.end)
    return _halves(left, budget, count_tokens) + _halves(right, budget, count_tokens)


def chunk_article(article: Article, *, max_tokens: int, count_tokens: CountTokens,
                  overlap_sentences: int = 1) -> list[Passage]:
    header = passage_header(article)
    budget = max_tokens - count_tokens([header])[0] - 3  # [CLS], [SEP] and the newline
    budget = max(budget, 16)
    sentences = split_sentences(article.text)
    sizes = count_tokens([s.text for s in sentences]) if sentences else []
    units: list[tuple[Sentence, int]] = []
    for sentence, size in zip(sentences, sizes):
        # Tokenizers count a run of 100+ characters without spaces as one unknown token.
        if size <= budget and len(sentence.text) <= budget * _MAX_CHARS_PER_TOKEN:
            units.append((sentence, size))
        else:
            units.extend(_split_long(sentence, budget, count_tokens))

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
