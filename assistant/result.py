"""What the assistant returns: an answer with numbered citations, or a decline."""

from pydantic import BaseModel, Field


class Citation(BaseModel):
    n: int = Field(description="The number used for the inline marker [n].")
    title: str
    source: str | None = None
    url: str | None = None
    published: str | None = None
    quote: str = Field(description="The exact text of the passage that supports the claim.")
    article_id: str
    chunk_id: str
    also_in: list[dict] = Field(
        default=[], description="Other articles carrying the same passage (syndicated copies).")


class RetrievedPassage(BaseModel):
    """A passage the retriever returned (kept for evaluation and debugging)."""

    chunk_id: str
    article_id: str
    title: str
    score: float
    text: str


class Answer(BaseModel):
    question: str
    standalone_question: str | None = Field(
        None, description="What was searched for when a follow-up was rewritten with the chat "
                          "history (None when the question stood on its own).")
    answer: str
    abstained: bool
    citations: list[Citation] = []
    timings_ms: dict[str, float] = {}
    retrieved: list[RetrievedPassage] = Field(default=[], exclude=True)
    relevance: float | None = Field(
        None, description="Cross-encoder score of the best sentence (above 0: on topic).")
    confidence: float | None = Field(
        None, description="Estimated probability that the answer is right (assistant/confidence.py).")
    signals: dict[str, float] = Field(default={}, exclude=True)

    def public_dict(self) -> dict:
        """The documented JSON shape of `newsqa ask --json`."""
        return self.model_dump(include={"question", "standalone_question", "answer", "abstained", "citations",
                                        "confidence", "relevance", "timings_ms"})
