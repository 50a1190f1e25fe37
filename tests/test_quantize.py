"""The int8 ONNX copy of the default embedder: made locally, close to the original, usable
for a whole index."""

import numpy as np

from conftest import SAMPLES
from newsqa.assistant.chain import NewsAssistant
from newsqa.index.embed import OnnxEmbedder, load_embedder
from newsqa.index.pipeline import ingest
from newsqa.settings import Settings, default_embedding_model

TEXTS = ["Putin demanded legally binding security guarantees that NATO will halt its expansion.",
         "The city council approved the new budget on Tuesday after a long debate.",
         "Macron advised Putin to respect the sovereignty of other countries."]


def test_int8_copy_is_made_once_and_stays_close_to_the_original(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSQA_MODEL_CACHE", str(tmp_path / "models"))
    settings = Settings(data_dir=tmp_path / "data", embedding_model="minilm-int8")
    folder = tmp_path / "models" / "all-MiniLM-L6-v2-int8"
    assert settings.embedding_model == str(folder)
    assert (folder / "model.onnx").is_file() and not (folder / "model_fp32.onnx").exists()
    made = (folder / "model.onnx").stat().st_mtime
    assert Settings(embedding_model="minilm-int8").embedding_model == str(folder)
    assert (folder / "model.onnx").stat().st_mtime == made  # cached, not made again

    int8 = load_embedder(settings.embedding_model)
    assert isinstance(int8, OnnxEmbedder) and int8.name == "all-MiniLM-L6-v2-int8"
    assert int8.pooling == "mean" and int8.max_tokens == 256
    original = load_embedder(default_embedding_model())
    assert original.name == "all-MiniLM-L6-v2"
    similarity = (int8.embed(TEXTS) * original.embed(TEXTS)).sum(axis=1)
    assert np.all(similarity > 0.97), similarity

    ingest([SAMPLES], settings, embedder=int8)
    answer = NewsAssistant(settings, embedder=int8).ask("What did Putin demand?")
    assert "legally binding" in answer.answer
