"""`newsqa storyset`: the story grouping of a built realtimeqa-dev index, scored against
the hand-labelled stories (one setting, or a fitted grid with `--fit`).

Separate from the metric (`storyset.py`) and the fitting (`storyfit.py`) because it is
the part that finds things: the shared data, the cached index, the model.
"""

from pathlib import Path

from newsqa.eval.storyfit import ScoredSetting, Setting, choose, grid, score_settings
from newsqa.eval.storyset import (PairScores, StorySetError, check_dev_index, cluster,
                                  halves, load_stories, merges, open_index_store,
                                  pairwise_scores, published_days, splits)
from newsqa.settings import Settings

HALF_NAMES = ("A", "B")


def default_index(settings: Settings) -> Path:
    """Where `newsqa eval -t realtimeqa-dev` keeps its index for these settings."""
    from newsqa.eval import realtimeqa
    from newsqa.eval.cache import cache_key
    from newsqa.eval.registry import shared_folder
    from newsqa.index.embed import load_embedder

    corpus = realtimeqa.corpus(shared_folder("realtimeqa-dev"))
    key = cache_key(corpus, load_embedder(
        settings.embedding_model, batch_size=settings.embedding_batch_size).vector_id, settings)
    return Path(settings.data_dir).resolve() / "eval-cache" / key


def dev_docs() -> Path:
    from newsqa.eval.registry import shared_folder

    return shared_folder("realtimeqa-dev") / "docs.jsonl"


def _scores_row(setting: str, half: str, scores: PairScores) -> dict:
    return {"setting": setting, "half": half, **scores.as_dict()}


def measure(index: Path, setting: Setting) -> dict:
    """One setting: P/R on each half and on both, the split and merged stories."""
    check_dev_index(index)
    stories = load_stories()
    parts = halves(stories, published_days(dev_docs()))
    story_of = cluster(open_index_store(index), [a for s in stories for a in s.articles],
                       **setting.options())
    rows = [_scores_row(setting.label(), name, pairwise_scores(part, story_of))
            for name, part in zip(HALF_NAMES, parts)]
    rows.append(_scores_row(setting.label(), "both", pairwise_scores(stories, story_of)))
    return {"index": str(index), "stories": len(stories),
            "labelled_articles": sum(len(s.articles) for s in stories),
            "halves": {n: [s.name for s in part] for n, part in zip(HALF_NAMES, parts)},
            "rows": rows,
            "split": [s.__dict__ for s in splits(stories, story_of) if s.pieces > 1],
            "merged": [{"story_id": m.story_id, "labelled": list(m.labelled)}
                       for m in merges(stories, story_of)]}


def fit(index: Path, current: Setting) -> dict:
    """Grid-search on each half, check on the other; the current setting for comparison."""
    check_dev_index(index)
    stories = load_stories()
    parts = halves(stories, published_days(dev_docs()))
    store = open_index_store(index)
    ids = [a for s in stories for a in s.articles]
    settings = grid()
    if current not in settings:
        settings.append(current)
    scored = score_settings(settings, parts, lambda **options: cluster(store, ids, **options))
    rows = []

    def add(label: str, found: ScoredSetting) -> None:
        for name, scores in zip(HALF_NAMES, found.halves):
            rows.append(_scores_row(f"{label}: {found.setting.label()}", name, scores))
        rows.append(_scores_row(f"{label}: {found.setting.label()}", "both", found.both))

    add("current", next(s for s in scored if s.setting == current))
    for fit_half in (0, 1):
        add(f"fitted on {HALF_NAMES[fit_half]}", choose(scored, fit_half))
    return {"index": str(index), "stories": len(stories), "settings_tried": len(scored),
            "rows": rows,
            "grid": [{"setting": s.setting.options(),
                      **{n: h.as_dict() for n, h in zip(HALF_NAMES, s.halves)},
                      "both": s.both.as_dict()} for s in scored]}


def skip_reason(index: Path | None, settings: Settings) -> tuple[Path | None, str | None]:
    """The index to measure, or why the measurement cannot run here."""
    from newsqa.eval.registry import EvalDataMissingError

    try:
        dev_docs()
        folder = index or default_index(settings)
    except (EvalDataMissingError, StorySetError) as error:
        return None, str(error)
    if not (folder / "build.json").is_file():
        return None, (f"No built realtimeqa-dev index at {folder}: build it with `newsqa eval "
                      "-t realtimeqa-dev`, or pass --index.")
    return folder, None
