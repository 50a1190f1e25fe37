"""Sentence boundaries with character offsets, shared by the chunker and the answerer.

Uses `sentencex` (Wikimedia's rule-based segmenter: fast, maintained, handles "U.S.",
"Dr." and quotes) paragraph by paragraph, and maps each sentence back to its exact span so
that citations can quote the source verbatim.
"""

from dataclasses import dataclass

from sentencex import segment


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # character offsets into the text that was split
    end: int


def split_sentences(text: str) -> list[Sentence]:
    sentences: list[Sentence] = []
    cursor = 0
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            cursor += len(paragraph) + 1
            continue
        para_start = cursor
        local = 0
        for piece in segment("en", paragraph):
            piece = piece.strip()
            if not piece:
                continue
            found = paragraph.find(piece, local)
            if found < 0:  # segmenter normalised something; fall back to the rest of the line
                found, piece = local, paragraph[local:].strip()
            start = para_start + found
            sentences.append(Sentence(piece, start, start + len(piece)))
            local = found + len(piece)
        cursor += len(paragraph) + 1
    return sentences
