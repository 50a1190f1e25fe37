"""Word 5-gram shingles and their Jaccard overlap: how near-copies of a text are told apart.

Why here: both the write path (a syndicated copy joins its story as the same origin,
`stories.py`) and the read path (duplicate passages are shown once, `assistant/dedupe.py`)
ask "is this the same text?", and must answer it the same way.
"""

import re

_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def jaccard(a: set, b: set) -> float:
    if not a or not b or a.isdisjoint(b):  # most pairs: no set is built
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)
