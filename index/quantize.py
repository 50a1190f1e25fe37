"""Make an int8 ONNX copy of a local sentence-transformers model, once, for faster embedding.

On a CPU the embedding model is most of ingest time. all-MiniLM-L6-v2 exported to ONNX and
quantized to int8 (dynamic, per-channel, matrix multiplications only) embeds about twice as
fast through onnxruntime as the PyTorch original, and its vectors stay close (cosine ≥ 0.98
to the original's on news passages; README "Performance" has the retrieval comparison).

Everything happens locally from the model folder already on disk: torch exports the graph,
onnxruntime quantizes it. The result is cached under `~/.cache/newsqa/models` (or
`NEWSQA_MODEL_CACHE`) and reused; `newsqa-onnx.json` in it tells `OnnxEmbedder` the pooling,
length and name.
"""

import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

from newsqa.errors import ModelNotFoundError

CONFIG = "newsqa-onnx.json"
_LOCK = threading.Lock()


def cache_root() -> Path:
    override = os.environ.get("NEWSQA_MODEL_CACHE")
    return Path(override).expanduser() if override else Path.home() / ".cache" / "newsqa" / "models"


def _pooling(source: Path) -> str:
    config = source / "1_Pooling" / "config.json"
    if config.is_file() and json.loads(config.read_text()).get("pooling_mode_cls_token"):
        return "cls"
    return "mean"


def _max_length(source: Path) -> int:
    config = source / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text()).get("max_seq_length") or 256)
    return 256


def int8_copy(source: str | Path, name: str) -> Path:
    """The folder of the int8 ONNX copy of `source`, made now if it is not cached yet."""
    source = Path(source)
    target = cache_root() / f"{name}-int8"
    if (target / CONFIG).is_file():
        return target
    if not (source / "config.json").is_file():
        raise ModelNotFoundError(f"Cannot make an int8 copy: {source} is not a model folder.")
    with _LOCK:
        if (target / CONFIG).is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
        try:
            _export(source, scratch)
            (scratch / CONFIG).write_text(json.dumps({
                "name": f"{name}-int8", "pooling": _pooling(source),
                "max_length": _max_length(source), "query_instruction": "",
                "source": str(source)}, indent=2))
            try:
                scratch.rename(target)
            except OSError:  # another process finished first
                shutil.rmtree(scratch, ignore_errors=True)
        finally:
            if scratch.exists():
                shutil.rmtree(scratch, ignore_errors=True)
    return target


def _export(source: Path, folder: Path) -> None:
    """Export and quantize, keeping the libraries' progress bars and root-logger setup out
    of the user's terminal (onnxruntime's quantizer configures the root logger)."""
    import logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.setLevel(logging.ERROR)
    try:
        _export_quiet(source, folder)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _export_quiet(source: Path, folder: Path) -> None:
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(source)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(source))

    class Encoder(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    example = tokenizer(["an example sentence"], return_tensors="pt")
    axes = {0: "batch", 1: "tokens"}
    full = folder / "model_fp32.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on opsets, not ours to act on
        torch.onnx.export(
            Encoder(model), (example["input_ids"], example["attention_mask"],
                             example["token_type_ids"]), str(full),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                          "last_hidden_state": axes},
            opset_version=17, dynamo=False)
    quantize_dynamic(str(full), str(folder / "model.onnx"), weight_type=QuantType.QInt8,
                     per_channel=True, op_types_to_quantize=["MatMul"])
    full.unlink()
    shutil.copy(source / "tokenizer.json", folder / "tokenizer.json")
