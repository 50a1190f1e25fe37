"""The story-clustering metric on hand-made clusterings, and the labelled stories file."""

import pytest

from newsqa.eval.registry import EvalDataMissingError, shared_folder
from newsqa.eval.storyfit import Setting, choose, grid, score_settings
from newsqa.eval.storyset import (LabelledStory, StorySetError, halves,
                                  load_stories, merges, pairwise_scores, published_days,
                                  splits)

FLOOD = LabelledStory("flood", ("f1", "f2", "f3"))
TRIAL = LabelledStory("trial", ("t1", "t2"))
GOLD = [FLOOD, TRIAL]


def test_perfect_clustering_scores_one():
    story_of = {"f1": "a", "f2": "a", "f3": "a", "t1": "b", "t2": "b", "other": "a"}
    scores = pairwise_scores(GOLD, story_of)
    assert (scores.gold_pairs, scores.predicted_pairs, scores.true_pairs) == (4, 4, 4)
    assert (scores.precision, scores.recall) == (1.0, 1.0)
    assert [s.pieces for s in splits(GOLD, story_of)] == [1, 1]
    assert merges(GOLD, story_of) == []


def test_split_story_loses_recall_not_precision():
    story_of = {"f1": "a", "f2": "a", "f3": "c", "t1": "b", "t2": "b"}
    scores = pairwise_scores(GOLD, story_of)
    assert (scores.true_pairs, scores.predicted_pairs, scores.gold_pairs) == (2, 2, 4)
    assert scores.precision == 1.0 and scores.recall == 0.5
    assert [(s.name, s.pieces) for s in splits(GOLD, story_of)] == [("flood", 2), ("trial", 1)]


def test_merged_stories_lose_precision_not_recall():
    story_of = {a: "a" for a in ("f1", "f2", "f3", "t1", "t2")}
    scores = pairwise_scores(GOLD, story_of)
    assert (scores.true_pairs, scores.predicted_pairs) == (4, 10)
    assert scores.precision == pytest.approx(0.4) and scores.recall == 1.0
    assert [m.labelled for m in merges(GOLD, story_of)] == [("flood", "trial")]


def test_unplaced_articles_are_left_out_and_no_pairs_is_undefined():
    scores = pairwise_scores(GOLD, {"f1": "a", "t1": "b"})
    assert scores.articles == 2
    assert scores.precision is None and scores.recall is None


def test_halves_alternate_by_first_day():
    stories = [LabelledStory(n, (n,)) for n in "abcd"]
    days = {"a": "2025-03-01", "b": "2024-01-01", "c": "2026-01-01", "d": "2025-01-01"}
    first, second = halves(stories, days)
    assert [s.name for s in first] == ["b", "a"] and [s.name for s in second] == ["d", "c"]


def test_fit_chooses_on_its_half_and_reports_the_other():
    half_a, half_b = [FLOOD], [TRIAL]

    def clusterer(join_similarity, named_similarity, window_days):
        apart = join_similarity > 0.7  # a high threshold leaves every article alone
        return {a: (a if apart else a[0]) for a in ("f1", "f2", "f3", "t1", "t2")}

    scored = score_settings([Setting(0.6, 0.5, 14), Setting(0.8, 0.5, 14)], (half_a, half_b),
                            clusterer)
    best = choose(scored, 0)
    assert best.setting == Setting(0.6, 0.5, 14)
    assert best.halves[1].recall == 1.0 and best.both.precision == 1.0
    assert scored[1].halves[0].recall == 0.0
    assert all(s.named_similarity <= s.join_similarity for s in grid())


def test_an_article_in_two_stories_names_the_file(tmp_path):
    path = tmp_path / "stories.toml"
    path.write_text('[[story]]\nname = "a"\narticles = ["x", "y"]\n'
                    '[[story]]\nname = "b"\narticles = ["y", "z"]\n', encoding="utf-8")
    with pytest.raises(StorySetError, match="stories.toml.*y is in both"):
        load_stories(path)


def test_labelled_file_has_enough_disjoint_stories():
    stories = load_stories()
    assert len(stories) >= 20
    ids = [a for s in stories for a in s.articles]
    assert len(ids) == len(set(ids))
    assert all(len(s.articles) >= 3 for s in stories)


def test_every_labelled_id_is_a_dev_document():
    try:
        docs = shared_folder("realtimeqa-dev") / "docs.jsonl"
    except EvalDataMissingError as error:
        pytest.skip(str(error))
    known = published_days(docs)
    stories = load_stories()
    missing = [a for s in stories for a in s.articles if a not in known]
    assert missing == []
