"""The test-set format: one question per JSONL line, validated by a pydantic model.

Every evaluation set — the hand-written seed set and the adapters for the shared
benchmarks — ends up as a list of `TestQuestion`, so the runner and the metrics know one
shape only. A malformed line is reported as `file:line: what is wrong`.

Line format (JSON object):
    id          str, unique in the file
    question    str
    answer      str, gold answer ("" when the corpus cannot answer)
    aliases     list[str], optional other accepted spellings of the answer
    evidence    optional {"article_ids": [...], "quote": "..." or ["...", ...]}
    answerable  bool, whether the corpus holds the answer (default: answer != "")
    as_of       optional "YYYY-MM-DD", the date the question is asked on
    type        optional str, for per-type metrics (default "default")
"""

import json
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from newsqa.errors import NewsqaError


class TestSetError(NewsqaError):
    """A test-set file cannot be used; the message names file:line."""

    __test__ = False  # not a pytest test class


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    article_ids: list[str] = Field(default_factory=list)
    quote: str | list[str] | None = None

    @property
    def quotes(self) -> list[str]:
        """Supporting sentences, always as a list."""
        if self.quote is None:
            return []
        raw = [self.quote] if isinstance(self.quote, str) else self.quote
        return [q for q in raw if q.strip()]


class TestQuestion(BaseModel):
    __test__ = False  # not a pytest test class
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answer: str
    aliases: list[str] = Field(default_factory=list)
    evidence: Evidence = Field(default_factory=Evidence)
    answerable: bool | None = None
    as_of: date | None = None
    type: str = "default"
    strict_answerable: bool | None = Field(
        None, description="A stricter answerable label where a set's own is lexical: the gold "
                          "occurs in a sentence of an evidence document that also holds the "
                          "question's key words (None: not computed for this set).")

    @field_validator("question")
    @classmethod
    def _question_has_words(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question is blank")
        return value

    @model_validator(mode="after")
    def _answerable_consistent(self) -> "TestQuestion":
        if self.answerable is None:
            self.answerable = bool(self.answer.strip())
        if self.answerable and not self.answer.strip():
            raise ValueError("answerable is true but the gold answer is empty")
        return self

    @property
    def golds(self) -> list[str]:
        """The gold answer and its aliases (non-empty ones)."""
        return [g for g in [self.answer, *self.aliases] if g.strip()]


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        message = item["msg"].removeprefix("Value error, ")
        where = ".".join(str(p) for p in item["loc"])
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def parse_testset(lines: list[str], origin: str) -> list[TestQuestion]:
    """Questions from JSONL lines; `origin` names the file in error messages."""
    questions: list[TestQuestion] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise TestSetError(f"{where}: malformed JSON ({error.msg} at column {error.colno}); "
                               "each line must be one JSON object") from None
        if not isinstance(record, dict):
            raise TestSetError(f"{where}: expected a JSON object, got {type(record).__name__}")
        try:
            question = TestQuestion.model_validate(record)
        except ValidationError as error:
            raise TestSetError(f"{where}: {_describe(error)}") from None
        if question.id in seen:
            raise TestSetError(f"{where}: duplicate id {question.id!r} (first on line "
                               f"{seen[question.id]})")
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise TestSetError(f"{origin}: no questions in the file")
    return questions


def load_testset(path: Path) -> list[TestQuestion]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TestSetError(f"{path}: test set file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TestSetError(f"{path}: cannot read the test set ({error})") from None
    return parse_testset(text.splitlines(), str(path))
