"""Content words, stemmed: the cheap lexical view of questions and sentences.

Used where a model call would cost too much: shortlisting sentences for the cross-encoder
and measuring how much of a question an answer covers. Stopwords come from bm25s and the
Snowball stemmer from PyStemmer, the same as the keyword index, so "demanded" matches
"demands" everywhere alike.
"""

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS)


def content_stems(text: str) -> list[str]:
    stop = stopwords()
    return _stemmer().stemWords([w for w in _WORD.findall(text.lower()) if w not in stop])
