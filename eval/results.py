"""What one evaluated question leaves behind: what the assistant did, and how it was judged.

These are plain data (pydantic) so that the metrics can be computed — and unit-tested —
without any model, and so that `results.jsonl` is a faithful dump of a run. Passage texts
are kept in memory for judging but left out of the dump to keep the file small.
"""

from typing import Literal

from pydantic import BaseModel, Field

from newsqa.eval.testset import Evidence

Outcome = Literal["answered_correct", "answered_wrong", "declined"]


class RankedPassage(BaseModel):
    """One passage of the retrieval ranking (1-based `rank`)."""

    rank: int
    chunk_id: str
    article_id: str
    score: float = 0.0
    used: bool = Field(True, description="Among the passages the answer step was given.")
    also_in: list[str] = Field(default_factory=list,
                               description="Articles whose duplicate passage was collapsed here.")
    text: str = Field("", exclude=True)


class CitedQuote(BaseModel):
    n: int
    article_id: str
    chunk_id: str
    quote: str
    first_sentence: str = Field("", description="The first sentence quoted from the passage.")


class Observed(BaseModel):
    """The assistant's behaviour on one question."""

    answer: str
    abstained: bool
    short_answer: str | None = Field(None, description="The short answer's text (Answer.short_answer).")
    confidence: float | None = None
    relevance: float | None = None
    signals: dict[str, float] = Field(default_factory=dict, description="Confidence-model "
                                      "inputs of the answer (also kept for declines).")
    citations: list[CitedQuote] = Field(default_factory=list)
    ranking: list[RankedPassage] = Field(default_factory=list)
    latency_ms: float = 0.0
    timings_ms: dict[str, float] = Field(default_factory=dict)
    generation: dict = Field(default_factory=dict, description="How the answer was written "
                             "(mode, model, verified sentences): Answer.generation.")
    probe_consistent: bool = Field(True, description="The deeper ranking starts with the "
                                                     "chain's own passages.")


class Verdict(BaseModel):
    """How the observed behaviour scores against the gold data."""

    outcome: Outcome
    correct: bool = Field(description="Counts for accuracy: a right answer, or a decline on an "
                                      "unanswerable question.")
    crag: int = Field(description="+1 correct, 0 declined (answerable), -1 wrong.")
    f1: float | None = Field(None, description="Token F1 vs the gold (answerable questions).")
    short_em: float | None = Field(None, description="Exact match of the short answer (answerable "
                                   "questions; 0 without one, or when declined).")
    short_f1: float | None = Field(None, description="Token F1 of the short answer (same population).")
    short_shown: bool = Field(False, description="A bold short answer opened the reply.")
    short_correct: bool | None = Field(None, description="That short answer states the gold "
                                       "(verdict.short_matches); None when none was shown or "
                                       "the question has no gold.")
    answer_words: int = 0
    answer_rank: int | None = Field(None, description="First rank whose passage holds the gold.")
    answer_rank_scored: bool = Field(False, description="Gold is a checkable span (not empty, "
                                                        "not Yes/No) and the question answerable.")
    evidence_ranks: list[int | None] = Field(default_factory=list,
                                             description="Per evidence article: first rank.")
    quote_rank: int | None = Field(None, description="First rank holding an evidence quote.")
    quote_rank_scored: bool = False
    citation_supported: list[bool] = Field(default_factory=list)
    citations_scored: bool = Field(False, description="Citations could be checked against the "
                                                      "gold answer or an evidence quote.")


class QuestionResult(BaseModel):
    id: str
    question: str
    type: str
    answerable: bool
    strict_answerable: bool | None = None
    gold: str
    aliases: list[str] = Field(default_factory=list)
    evidence: Evidence = Field(default_factory=Evidence)
    observed: Observed
    verdict: Verdict
