"""Fit the story thresholds on one half of the labelled stories, check them on the other.

Why: thresholds chosen by looking at all labelled stories would be measured on the stories
they were chosen for. The stories are split into two halves (`storyset.halves`:
alternately, in order of their first day); each setting of the grid is scored on both,
the best setting of the fitting half is chosen, and the other half says whether it holds
(both ways: fitted on the first half and checked on the second, and the reverse).
Chosen: among settings whose fitting-half precision and recall reach the targets, the
highest recall (then precision); when none reaches them, the highest F1.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import product

from newsqa.eval.storyset import LabelledStory, PairScores, pairwise_scores

PRECISION_TARGET, RECALL_TARGET = 0.90, 0.80
JOIN_GRID = (0.62, 0.66, 0.70, 0.72, 0.74, 0.78)
NAMED_GRID = (0.45, 0.50, 0.55, 0.60, 0.65)
WINDOW_GRID = (7, 14, 28)

Clusterer = Callable[..., dict[str, str]]  # StoryIndex keywords → article id → story id


@dataclass(frozen=True)
class Setting:
    join_similarity: float
    named_similarity: float
    window_days: int

    def options(self) -> dict:
        return {"join_similarity": self.join_similarity,
                "named_similarity": self.named_similarity, "window_days": self.window_days}

    def label(self) -> str:
        return (f"join {self.join_similarity:.2f}, names {self.named_similarity:.2f}, "
                f"window {self.window_days} d")


@dataclass(frozen=True)
class ScoredSetting:
    setting: Setting
    halves: tuple[PairScores, PairScores]
    both: PairScores


def grid(joins: Iterable[float] = JOIN_GRID, nameds: Iterable[float] = NAMED_GRID,
         windows: Iterable[int] = WINDOW_GRID) -> list[Setting]:
    """Every combination; a named threshold above the join threshold adds nothing."""
    return [Setting(j, n, w) for j, n, w in product(joins, nameds, windows) if n <= j]


def meets_targets(scores: PairScores) -> bool:
    return (scores.precision or 0.0) >= PRECISION_TARGET and (scores.recall or 0.0) >= RECALL_TARGET


def f1(scores: PairScores) -> float:
    p, r = scores.precision or 0.0, scores.recall or 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def score_settings(settings: list[Setting], halves: tuple[list[LabelledStory], list[LabelledStory]],
                   clusterer: Clusterer) -> list[ScoredSetting]:
    """Each setting clustered once (`clusterer(**options)`), scored on each half and on both."""
    scored = []
    for setting in settings:
        story_of = clusterer(**setting.options())
        scored.append(ScoredSetting(
            setting, (pairwise_scores(halves[0], story_of), pairwise_scores(halves[1], story_of)),
            pairwise_scores(halves[0] + halves[1], story_of)))
    return scored


def choose(scored: list[ScoredSetting], fit_half: int) -> ScoredSetting:
    """The setting half `fit_half` (0 or 1) prefers (see the module docstring)."""
    def fit(s: ScoredSetting) -> PairScores:
        return s.halves[fit_half]

    meeting = [s for s in scored if meets_targets(fit(s))]
    if meeting:
        return max(meeting, key=lambda s: (fit(s).recall or 0.0, fit(s).precision or 0.0))
    return max(scored, key=lambda s: f1(fit(s)))
