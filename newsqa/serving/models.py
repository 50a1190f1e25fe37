"""The shapes of requests to the program routes, with this server's limits inside them.

Pydantic models, so a bad request is refused with 422 naming the field before any work
starts, and /docs shows every field and limit. The limits come from `Settings`
(`max_question_chars`, `max_history_turns`), so the models are made per app by
`request_models(settings)`.
"""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StringConstraints

from newsqa.settings import Settings


class Filters(BaseModel):
    """Which articles may be used; dates are YYYY-MM-DD."""

    model_config = ConfigDict(extra="forbid")
    as_of: str | None = Field(None, max_length=40, description="Nothing published after this date.")
    since: str | None = Field(None, max_length=40, description="Only articles published on or after this date.")
    until: str | None = Field(None, max_length=40, description="Only articles published on or before this date.")
    sources: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        [], max_length=50, description="Only these publishers (e.g. \"The Week\").")


class ChatMessage(BaseModel):
    """One OpenAI chat message; only user and assistant turns are read."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # typed parts: keep the text ones
            return " ".join(str(p.get("text", "")) for p in self.content
                            if isinstance(p, dict) and p.get("type") in ("text", "input_text"))
        return self.content or ""


PositiveInt = Annotated[int, Field(strict=True, ge=1)]
# OpenAI's `stop` is one text or a list of up to 4; one is read as a list of one, so an
# error names `stop` or `stop.N` rather than a branch of a union.
StopTexts = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=200)]],
                      BeforeValidator(lambda value: [value] if isinstance(value, str) else value),
                      Field(max_length=4)]


class StreamOptions(BaseModel):
    """OpenAI's `stream_options`; only `include_usage` is offered."""

    model_config = ConfigDict(extra="forbid")
    include_usage: StrictBool = Field(
        False, description="Send a last chunk with `usage` (and `choices: []`) before [DONE].")


@dataclass(frozen=True)
class RequestModels:
    AskRequest: type[BaseModel]
    SearchRequest: type[BaseModel]
    ChatCompletionRequest: type[BaseModel]


def request_models(settings: Settings) -> RequestModels:
    Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                max_length=settings.max_question_chars)]
    turns = settings.max_history_turns

    class AskRequest(BaseModel):
        """A question, as `newsqa ask` takes it."""

        model_config = ConfigDict(extra="forbid")
        question: Question = Field(description="The question.")
        history: list[Question] = Field(
            [], max_length=turns,
            description="Earlier questions of the conversation, oldest first (for follow-ups "
                        "such as \"What about Macron?\").")
        filters: Filters = Field(default_factory=Filters)
        llm: str | None = Field(
            None, max_length=200,
            description="\"none\" for the quoted answer without a language model; otherwise "
                        "the server's NEWSQA_LLM (the default).")

    class SearchRequest(BaseModel):
        """A search: the passages an answer would be chosen from, with their scores."""

        model_config = ConfigDict(extra="forbid")
        query: Question = Field(description="What to search for.")
        history: list[Question] = Field([], max_length=turns)
        filters: Filters = Field(default_factory=Filters)

    class ChatCompletionRequest(BaseModel):
        """OpenAI's chat completion request. The options below are honoured or, when this
        server cannot honour them, refused with 400 naming them (newsqa/serving/openai_api.py);
        sampling options (temperature, top_p, seed, penalties, ...) are accepted and have no
        effect, since answers are quoted or verified, not sampled."""

        model_config = ConfigDict(extra="allow")
        model: str = Field("newsqa", max_length=200)
        messages: list[ChatMessage] = Field(min_length=1, max_length=2 * turns + 4)
        stream: StrictBool = False
        stream_options: StreamOptions | None = Field(None, description="Only with `stream: true`.")
        max_tokens: PositiveInt | None = Field(
            None, description="Cut the reply to this many tokens (finish_reason \"length\").")
        max_completion_tokens: PositiveInt | None = Field(
            None, description="As max_tokens; with both, the smaller is used.")
        stop: StopTexts | None = Field(
            None, description="Cut the reply before the first of these (a text or up to 4).")
        n: PositiveInt | None = Field(None, description="1 only.")
        tools: list[dict[str, Any]] | None = Field(
            None, description="Refused unless tool_choice is \"none\": no tools are called.")
        tool_choice: str | dict[str, Any] | None = None
        functions: list[dict[str, Any]] | None = Field(
            None, description="Refused unless function_call is \"none\".")
        function_call: str | dict[str, Any] | None = None
        response_format: dict[str, Any] | None = Field(
            None, description="{\"type\": \"text\"} only.")
        logprobs: StrictBool | None = Field(None, description="false only.")
        top_logprobs: int | None = Field(None, description="Refused: no token probabilities.")
        filters: Filters | None = Field(
            None, description="newsqa's own: which articles may be used, as in /api/ask.")

    return RequestModels(AskRequest, SearchRequest, ChatCompletionRequest)
