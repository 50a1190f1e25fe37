"""A passage's vector is a function of the passage alone: not of the passages embedded beside
it, their order or the number of workers. The int8 model quantises its activations with one
scale per call, so before each passage had its own call a passage's vector moved with its
batch-mates (cosine ~0.98 to itself), and re-ingesting an article could move it in search."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from newsqa.index.embed import OnnxEmbedder, load_embedder
from newsqa.settings import Settings

PASSAGES = [
    "Marta Quill retired on Monday after forty years as keeper of the Fennick Point lighthouse.",
    "The harbour board said the light will be automated in the autumn.",
    "Parliament passed the budget by a narrow margin late on Thursday night after a long "
    "debate about spending on schools, hospitals and the roads of the northern provinces, "
    "with three members of the governing party voting against it.",
    "Rain.",
]


def model_dir() -> str:
    return Settings().embedding_model


def test_a_vector_does_not_depend_on_its_batch_mates_or_the_workers():
    default = load_embedder(model_dir())
    assert isinstance(default, OnnxEmbedder) and default.batch_size == 1
    together = default.embed(PASSAGES)
    alone = np.vstack([default.embed([p]) for p in PASSAGES])
    one_worker = OnnxEmbedder(model_dir(), threads=1).embed(PASSAGES)
    reversed_order = default.embed(PASSAGES[::-1])[::-1]
    for other in (alone, one_worker, reversed_order):
        np.testing.assert_array_equal(together, other)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, rtol=1e-5)
    query = default.embed_query("Who retired as keeper of the Fennick Point lighthouse?")
    assert int(np.argmax(together @ query)) == 0


def test_texts_embedded_at_once_from_several_threads_get_their_own_vectors():
    embedder = load_embedder(model_dir())
    expected = {p: embedder.embed([p])[0] for p in PASSAGES}
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda ps: (ps, embedder.embed(ps)),
                             [PASSAGES, PASSAGES[1:], PASSAGES[::-1]] * 3))
    for passages, vectors in runs:
        for passage, vector in zip(passages, vectors):
            np.testing.assert_array_equal(vector, expected[passage])
    assert embedder.embed([]).shape == (0, embedder.dimension)


def test_a_larger_batch_is_still_possible_and_named_in_the_vector_id():
    """`NEWSQA_EMBEDDING_BATCH_SIZE` still batches (vectors then move with their batch-mates),
    and eval caches built one way are not reused the other way."""
    batched = load_embedder(model_dir(), batch_size=8)
    assert batched.batch_size == 8
    assert batched.vector_id != load_embedder(model_dir()).vector_id
    vectors = batched.embed(PASSAGES)
    close = (vectors * load_embedder(model_dir()).embed(PASSAGES)).sum(axis=1)
    assert np.all(close > 0.95), close
