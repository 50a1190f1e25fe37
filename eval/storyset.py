"""How well `index/stories.py` groups articles, against stories labelled by hand.

Why: a story answer (timeline, latest, since) reads one story's articles; articles of
another event merged into it put wrong developments in the answer, and a story split in
pieces leaves developments out. The labelled set (`testsets/realtimeqa-stories.toml`, ids
of RealTime QA DEV documents and short names, no text) says which articles are one story.

Measured over pairs of labelled articles: a pair is positive in gold when both are in one
labelled story and predicted positive when the StoryIndex put both in one story.
Precision = TP / predicted pairs, recall = TP / gold pairs. Unlabelled articles never
count, so merging a labelled story with unlabelled ones costs nothing here. Per story the
report also says into how many predicted stories it was split, and per predicted story
how many labelled stories it merged.
"""

import json
import tempfile
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from newsqa.errors import NewsqaError

STORIES_FILE = Path(__file__).resolve().parent / "testsets" / "realtimeqa-stories.toml"
DEV_CORPUS = "realtimeqa/dev"  # what build.json of the index measured must say


class StorySetError(NewsqaError):
    """The labelled stories file, or the index to measure, cannot be used."""


@dataclass(frozen=True)
class LabelledStory:
    name: str
    articles: tuple[str, ...]


@dataclass(frozen=True)
class PairScores:
    articles: int  # labelled articles the clustering placed
    gold_pairs: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float | None:
        return self.true_pairs / self.predicted_pairs if self.predicted_pairs else None

    @property
    def recall(self) -> float | None:
        return self.true_pairs / self.gold_pairs if self.gold_pairs else None

    def as_dict(self) -> dict:
        return {"articles": self.articles, "gold_pairs": self.gold_pairs,
                "predicted_pairs": self.predicted_pairs, "true_pairs": self.true_pairs,
                "precision": _rounded(self.precision), "recall": _rounded(self.recall)}


@dataclass(frozen=True)
class StorySplit:
    """A labelled story and the predicted stories its articles landed in."""

    name: str
    articles: int
    pieces: int


@dataclass(frozen=True)
class StoryMerge:
    """A predicted story holding articles of more than one labelled story."""

    story_id: str
    labelled: tuple[str, ...]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def load_stories(path: Path = STORIES_FILE) -> list[LabelledStory]:
    """The labelled stories; an id repeated in a story counts once, an id in two stories
    is an error (a pair cannot be both positive and negative)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise StorySetError(f"{path}: cannot read the labelled stories ({error}).") from None
    stories, owner = [], {}
    for number, entry in enumerate(data.get("story", []), 1):
        name, articles = entry.get("name"), entry.get("articles")
        if not name or not isinstance(articles, list) or not articles:
            raise StorySetError(f"{path}: story {number} needs a name and a list of articles.")
        unique = tuple(dict.fromkeys(str(a) for a in articles))
        for article in unique:
            if article in owner:
                raise StorySetError(f"{path}: {article} is in both '{owner[article]}' and "
                                    f"'{name}'; keep it in one story.")
            owner[article] = name
        stories.append(LabelledStory(str(name), unique))
    if not stories:
        raise StorySetError(f"{path}: no [[story]] entries.")
    return stories


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _cells(stories: list[LabelledStory], story_of: dict[str, str]) -> Counter:
    """(labelled story name, predicted story id) → articles in both."""
    return Counter((s.name, story_of[a]) for s in stories for a in s.articles if a in story_of)


def pairwise_scores(stories: list[LabelledStory], story_of: dict[str, str]) -> PairScores:
    """Pairwise precision and recall of `story_of` (article id → predicted story id) over
    the labelled articles it places (an article it does not know is left out)."""
    cells = _cells(stories, story_of)
    gold, predicted = Counter(), Counter()
    for (name, story_id), n in cells.items():
        gold[name] += n
        predicted[story_id] += n
    return PairScores(articles=sum(cells.values()),
                      gold_pairs=sum(_pairs(n) for n in gold.values()),
                      predicted_pairs=sum(_pairs(n) for n in predicted.values()),
                      true_pairs=sum(_pairs(n) for n in cells.values()))


def splits(stories: list[LabelledStory], story_of: dict[str, str]) -> list[StorySplit]:
    """Every labelled story with the number of predicted stories it is spread over."""
    return [StorySplit(s.name, sum(a in story_of for a in s.articles),
                       len({story_of[a] for a in s.articles if a in story_of}))
            for s in stories]


def merges(stories: list[LabelledStory], story_of: dict[str, str]) -> list[StoryMerge]:
    """Predicted stories that hold articles of two or more labelled stories."""
    held: dict[str, set[str]] = defaultdict(set)
    for (name, story_id) in _cells(stories, story_of):
        held[story_id].add(name)
    return [StoryMerge(story_id, tuple(sorted(names)))
            for story_id, names in sorted(held.items()) if len(names) > 1]


def halves(stories: list[LabelledStory],
           first_day: dict[str, str]) -> tuple[list[LabelledStory], list[LabelledStory]]:
    """Two halves for fitting and checking: stories in order of their first article's
    day (`first_day`: article id → YYYY-MM-DD), alternately to each half."""
    def start(story: LabelledStory) -> str:
        return min((first_day.get(a) or "9999" for a in story.articles), default="9999")

    ordered = sorted(stories, key=lambda s: (start(s), s.name))
    return ordered[0::2], ordered[1::2]


def published_days(docs: Path) -> dict[str, str]:
    """Document id → published date, from a RealTime QA `docs.jsonl`."""
    from newsqa.eval.corpus import read_jsonl

    return {str(r["id"]): str(r.get("published_date") or "") for _, r in read_jsonl(docs)
            if r.get("id")}


def check_dev_index(folder: Path) -> None:
    """Refuse a folder that is not a finished realtimeqa-dev index (its build.json says)."""
    manifest = Path(folder) / "build.json"
    try:
        corpus = json.loads(manifest.read_text(encoding="utf-8")).get("corpus")
    except (OSError, ValueError):
        raise StorySetError(
            f"{folder} is not a finished eval index (no readable {manifest.name}). Build the "
            "realtimeqa-dev index with `newsqa eval -t realtimeqa-dev`, or pass --index.") from None
    if corpus != DEV_CORPUS:
        raise StorySetError(f"{manifest} says corpus {corpus!r}; the labelled stories are of "
                            f"{DEV_CORPUS}. Pass the realtimeqa-dev index with --index.")


def open_index_store(folder: Path):
    """The passage store of the eval index in `folder` (its embedding model is loaded: the
    store checks that the vectors are that model's)."""
    from newsqa.index.embed import load_embedder
    from newsqa.index.store import open_store
    from newsqa.settings import Settings

    settings = Settings().model_copy(update={"data_dir": Path(folder)})
    return ReadOnceStore(open_store(settings, load_embedder(settings.embedding_model)))


class ReadOnceStore:
    """A passage store read once and replayed: every setting of a grid groups the same
    rows, so the store is scanned (and lead vectors fetched) only for the first one."""

    def __init__(self, store):
        self._store = store
        self.collection_id, self.embedded = store.collection_id, store.embedded
        self._rows: list | None = None
        self._vectors: dict[str, list[float]] = {}

    def scan(self, *args, **kwargs):
        if self._rows is None:
            self._rows = list(self._store.scan(*args, **kwargs))
        return iter(self._rows)

    def vectors(self, ids: list[str]):
        missing = [i for i in ids if i not in self._vectors]
        if missing:
            self._vectors.update(self._store.vectors(missing))
        return [(i, self._vectors[i]) for i in ids if i in self._vectors]


def cluster(store, article_ids: list[str], **story_options) -> dict[str, str]:
    """Group the stored articles with a fresh StoryIndex made with `story_options` (its
    constructor keywords) and return article id → story id for `article_ids`. The
    index's own stories are not touched: the grouping is built from scratch in a
    temporary folder, as on first use."""
    from newsqa.index.stories import StoryIndex

    with tempfile.TemporaryDirectory(prefix="storyset-") as scratch:
        index = StoryIndex(Path(scratch) / "stories", **story_options)
        try:
            index.ensure_current(store)
            return index.story_of(article_ids)
        finally:
            index.close()
