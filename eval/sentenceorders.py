"""Would sentence vectors pick the cross-encoder's sentences better than the keyword order?

Measured on `newsqa record-sentences` recordings (every candidate sentence scored), for two
kinds of sentence vector the embedder could give the shortlist:

- *pooled*: the mean of the sentence's token states from the passage's own encode (the
  passage is embedded anyway, so these cost no extra model call at ingest);
- *alone*: the sentence embedded by itself, "title. sentence" (what the cross-encoder
  reads), one more model call per sentence at ingest or at question time.

Each is compared by cosine with the searched question's vector, alone and added to the
keyword order (`assistant/shortlist.py`) after standardising both per question (equal
weights: nothing is fitted). "Best kept" is the share of questions whose best-scored
sentence a shortlist of k keeps; "near best kept", whose kept sentences include one within
`NEAR_BEST` logits of it. Only for a bare ONNX embedder (the default int8 MiniLM).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsqa.assistant.rerank import pair_texts
from newsqa.assistant.shortlist import WEIGHTS, highest, shortlist_scores
from newsqa.eval.shortlistfit import NEAR_BEST, ScoredPool
from newsqa.index.recover import embedding_text

ORDERS = ("keyword", "pooled", "alone", "keyword + pooled", "keyword + alone")


class SpanEncoder:
    """The embedder's ONNX model run directly, to read its token states."""

    def __init__(self, model_dir: str, max_length: int = 512):
        import onnxruntime
        from tokenizers import Tokenizer

        folder = Path(model_dir)
        if not (folder / "model.onnx").is_file():
            raise ValueError(f"{model_dir} is not a bare ONNX embedder (model.onnx, "
                             "tokenizer.json); set NEWSQA_EMBEDDING_MODEL to one, e.g. minilm-int8")
        self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"),
                                                    providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        self.inputs = {i.name for i in self.session.get_inputs()}

    def span_vectors(self, text: str, spans: list[tuple[int, int]]) -> np.ndarray:
        """Unit vectors of the token states within each (start, end) character span of
        `text`, from one encode of all of it; a span past the truncation gets zeros."""
        encoded = self.tokenizer.encode(text)
        feed = {"input_ids": np.array([encoded.ids], dtype=np.int64),
                "attention_mask": np.array([encoded.attention_mask], dtype=np.int64)}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.array([encoded.type_ids], dtype=np.int64)
        states = self.session.run(None, feed)[0][0]
        vectors = np.zeros((len(spans), states.shape[1]), dtype=np.float32)
        for row, (start, end) in enumerate(spans):
            tokens = [t for t, (a, b) in enumerate(encoded.offsets)
                      if b > a and a < end and b > start]
            if tokens:
                mean = states[tokens].mean(axis=0)
                vectors[row] = mean / np.linalg.norm(mean)
        return vectors


@dataclass
class SentenceSimilarities:
    """Cosine of each recorded sentence with the question, both ways."""

    pooled: np.ndarray
    alone: np.ndarray


def similarities(row: ScoredPool, embedder, spans: SpanEncoder) -> SentenceSimilarities:
    question = embedder.embed_query(row.searched)
    pooled = np.zeros(len(row.sentences), dtype=np.float32)
    for index in sorted({i for i, _ in row.sentences}):
        doc = row.pool[index]
        text = embedding_text(doc.page_content, doc.metadata)
        shift = len(text) - len(doc.page_content)
        rows = [n for n, (i, _) in enumerate(row.sentences) if i == index]
        found = spans.span_vectors(text, [(row.sentences[n][1].start + shift,
                                           row.sentences[n][1].end + shift) for n in rows])
        pooled[rows] = found @ question
    alone = embedder.embed(pair_texts(row.pairs())) @ question
    return SentenceSimilarities(pooled, alone)


def _standard(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() + 1e-9)


def order_scores(row: ScoredPool, found: SentenceSimilarities) -> dict[str, np.ndarray]:
    keyword = shortlist_scores(row.features(), WEIGHTS)
    return {"keyword": keyword, "pooled": found.pooled, "alone": found.alone,
            "keyword + pooled": _standard(keyword) + _standard(found.pooled),
            "keyword + alone": _standard(keyword) + _standard(found.alone)}


def kept(rows: list[ScoredPool], found: list[SentenceSimilarities], order: str,
         limit: int) -> tuple[float, float]:
    """(best kept, near best kept) over the questions with scored sentences."""
    best = near = 0
    for row, sims in zip(rows, found):
        scores = np.asarray(row.scores)
        picked = highest(order_scores(row, sims)[order], limit)
        best += int(np.argmax(scores)) in picked
        near += bool(scores[picked].max() >= scores.max() - NEAR_BEST)
    return best / len(rows), near / len(rows)

