"""Test sets by name: the bundled seed set, the shared benchmarks, or a JSONL file.

Names: `seed` (hand-written questions about the bundled sample article, answered from the
repo's `samples/`), `realtimeqa-smoke`, `realtimeqa-dev`, `realtimeqa-when`, `multihop-smoke`,
`multihop-dev`
(read in place from the shared data root), or a path to a JSONL test set, answered from
`--corpus PATH` (default: the repo's `samples/`).

The shared data root is `<repo>/../shared/eval` unless `NEWSQA_EVAL_DATA` says otherwise;
it does not depend on `Settings`, so tests and the CLI find the same data.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsqa.errors import NewsqaError
from newsqa.eval import multihop, realtimeqa, whenset
from newsqa.eval.corpus import Corpus, mixed
from newsqa.eval.testset import TestQuestion, load_testset
from newsqa.settings import REPO_ROOT

DATA_ENV = "NEWSQA_EVAL_DATA"
SEED_FILE = Path(__file__).resolve().parent / "testsets" / "seed.jsonl"
SAMPLES_DIR = REPO_ROOT / "samples"


class EvalDataMissingError(NewsqaError):
    """The shared evaluation data is not where it should be."""


@dataclass(frozen=True)
class EvalSet:
    name: str
    questions: list[TestQuestion]
    corpus: Corpus
    description: str


Loader = Callable[[Path], list[TestQuestion]]
CorpusOf = Callable[[Path], Corpus]
# name -> (dataset folder, part, question loader, corpus adapter, description)
SHARED: dict[str, tuple[str, str, Loader, CorpusOf, str]] = {
    "realtimeqa-smoke": ("realtimeqa", "smoke", realtimeqa.load_questions, realtimeqa.corpus,
                         "RealTime QA, SMOKE part (2 weeks); all of the part's docs as one index"),
    "realtimeqa-dev": ("realtimeqa", "dev", realtimeqa.load_questions, realtimeqa.corpus,
                       "RealTime QA, DEV part (41 weeks); all of the part's docs as one index"),
    "realtimeqa-when": ("realtimeqa", "dev", whenset.load_questions, realtimeqa.corpus,
                        "\"When ...?\" questions made by script from RealTime QA DEV documents "
                        "that date an event relative to publication (eval/whenset.py); the gold "
                        "is the calendar date"),
    "multihop-smoke": ("multihop-rag", "smoke", multihop.load_questions, multihop.corpus,
                       "MultiHop-RAG, SMOKE part; articles = their evidence sentences"),
    "multihop-dev": ("multihop-rag", "dev", multihop.load_questions, multihop.corpus,
                     "MultiHop-RAG, DEV part; articles = their evidence sentences"),
}
NAMES = ("seed", *SHARED)


def data_root() -> Path:
    """Where the shared evaluation sets live (`NEWSQA_EVAL_DATA` overrides)."""
    override = os.environ.get(DATA_ENV)
    return Path(override).expanduser() if override else REPO_ROOT.parent / "shared" / "eval"


def shared_folder(name: str) -> Path:
    dataset, part = SHARED[name][:2]
    folder = data_root() / dataset / part
    if not folder.is_dir():
        raise EvalDataMissingError(
            f"Evaluation data for '{name}' not found: {folder} does not exist. Put the shared "
            f"eval data there, or point {DATA_ENV} at the folder holding realtimeqa/ and "
            "multihop-rag/.")
    return folder


def resolve(testset: str, corpus: Path | None = None, also: str | None = None) -> EvalSet:
    """The test set called `testset` (a known name or a JSONL path); `also` names a shared
    set whose documents are indexed beside the test set's own corpus."""
    evalset = _resolve(testset, corpus)
    if also is None:
        return evalset
    if also not in SHARED:
        raise NewsqaError(f"--also takes a shared set's name ({', '.join(SHARED)}), not '{also}'.")
    extra = SHARED[also][3](shared_folder(also))
    return EvalSet(evalset.name, evalset.questions, mixed(evalset.corpus, extra),
                   f"{evalset.description}; plus every document of {also}")


def _resolve(testset: str, corpus: Path | None = None) -> EvalSet:
    if testset in SHARED:
        if corpus is not None:
            raise NewsqaError(f"--corpus only applies to a test-set file; '{testset}' brings "
                              "its own corpus.")
        folder = shared_folder(testset)
        _, _, load_questions, corpus_of, description = SHARED[testset]
        return EvalSet(testset, load_questions(folder), corpus_of(folder), description)
    if testset == "seed":
        path, description = SEED_FILE, "hand-written questions about the bundled sample article"
    else:
        path = Path(testset).expanduser()
        if not path.is_file():
            raise NewsqaError(f"Unknown test set '{testset}': use one of {', '.join(NAMES)}, or "
                              "the path of a JSONL test set.")
        description = f"test set {path}"
    corpus_path = Path(corpus).expanduser() if corpus is not None else SAMPLES_DIR
    name = "seed" if testset == "seed" else path.stem
    return EvalSet(name, load_testset(path),
                   Corpus(name=f"files:{corpus_path.name}", sources=(corpus_path.resolve(),)),
                   f"{description}; corpus {corpus_path}")
