"""OpenAI-compatible chat: `POST /v1/chat/completions` and `GET /v1/models`.

Chat front-ends (Open WebUI, LibreChat) and every OpenAI SDK speak this protocol, so
with it any of them can chat with the news: point the client's base URL at
`http://HOST:PORT/v1` and pick the one model, `newsqa`. The last user message is the
question and the earlier user messages are the history used to read follow-ups, as on the
page. The reply's content is the answer with its [n] markers, then the sources
(newsqa/serving/reply_text.py); the structured citations ride along as `citations` (on the
response and on the message), and the whole `newsqa ask --json` object as `newsqa`.

Streaming (`stream: true`) sends OpenAI's server-sent events, but only once the answer is
checked: a language model's unverified draft is never sent, since a client cannot take
back text it has already shown. The answer then arrives in a few pieces, and the last
event carries the citations. Sampling options (temperature, max_tokens, ...) are accepted
and ignored: answers are quoted or verified, not sampled.
"""

import json
import time
import uuid

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from newsqa.serving.rest import passage_filter
from newsqa.serving.errors import ApiError
from newsqa.serving.models import ChatMessage, Filters, RequestModels
from newsqa.assistant.chain import NewsAssistant
from newsqa.gate import AnswerGate
from newsqa.serving.reply_text import reply_text

MODEL_ID = "newsqa"
STARTED = int(time.time())


def conversation(messages: list[ChatMessage], *, max_chars: int,
                 max_turns: int) -> tuple[str, list[str]]:
    """(question, earlier user questions) from OpenAI messages; 422 naming the message
    when the last one is not a usable user question."""
    last = len(messages) - 1
    if messages[last].role != "user":
        raise ApiError(422, f"messages.{last}.role: the last message must be the user's "
                            "question (role \"user\").", param=f"messages.{last}.role")
    asked = []
    for number, message in enumerate(messages):
        if message.role != "user":
            continue
        text = " ".join(message.text().split())
        if len(text) > max_chars:
            raise ApiError(422, f"messages.{number}.content: {len(text):,} characters, at most "
                                f"{max_chars:,} (NEWSQA_MAX_QUESTION_CHARS).",
                           param=f"messages.{number}.content", code="string_too_long")
        if number == last and not text:
            raise ApiError(422, f"messages.{last}.content: the question is empty; send text.",
                           param=f"messages.{last}.content", code="string_too_short")
        if text:
            asked.append(text)
    return asked[-1], asked[:-1][-max_turns:] if max_turns else []


def model_card() -> dict:
    return {"id": MODEL_ID, "object": "model", "created": STARTED, "owned_by": "newsqa"}


def completion(answer, text: str) -> dict:
    citations = [c.model_dump() for c in answer.citations]
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion",
        "created": int(time.time()), "model": MODEL_ID,
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant", "content": text,
                                 "citations": citations}}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "citations": citations, "newsqa": answer.public_dict(),
    }


def completion_events(answer, text: str):
    """The server-sent events of one streamed completion."""
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": MODEL_ID}

    def event(delta: dict, finish: str | None = None, **extra) -> str:
        chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                                      "logprobs": None}], **extra}
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    pieces = text.split("\n\n")
    for number, piece in enumerate(pieces):
        yield event({"content": piece + ("\n\n" if number < len(pieces) - 1 else "")})
    citations = [c.model_dump() for c in answer.citations]
    yield event({}, "stop", citations=citations, newsqa=answer.public_dict())
    yield "data: [DONE]\n\n"


def openai_router(assistant: NewsAssistant, gate: AnswerGate, models: RequestModels,
                  **router_options) -> APIRouter:
    router = APIRouter(**router_options)
    settings = assistant.settings
    ChatCompletionRequest = models.ChatCompletionRequest

    @router.get("/v1/models", tags=["openai"], summary="The one model: newsqa")
    def list_models() -> dict:
        return {"object": "list", "data": [model_card()]}

    @router.get("/v1/models/{model_id}", tags=["openai"], summary="One model")
    def get_model(model_id: str) -> dict:
        if model_id != MODEL_ID:
            raise ApiError(404, f"model: no model '{model_id[:100]}'; this server has one, "
                                f"'{MODEL_ID}'.", param="model", code="model_not_found",
                           kind="not_found_error")
        return model_card()

    @router.post("/v1/chat/completions", tags=["openai"], summary="Chat with the news")
    async def chat_completions(request: ChatCompletionRequest):
        """OpenAI's chat completion. Extra fields: `filters` in the request (as /api/ask);
        `citations` and `newsqa` (the `ask --json` object) in the response."""
        if request.model != MODEL_ID:
            raise ApiError(404, f"model: no model '{request.model[:100]}'; this server has "
                                f"one, '{MODEL_ID}'.", param="model", code="model_not_found",
                           kind="not_found_error")
        question, history = conversation(request.messages, max_chars=settings.max_question_chars,
                                         max_turns=settings.max_history_turns)
        raw_filters = (request.model_extra or {}).get("filters") or {}
        try:
            filters = passage_filter(Filters.model_validate(raw_filters))
        except ValueError as error:  # pydantic's ValidationError is a ValueError
            raise ApiError(422, f"filters: {error}".splitlines()[0] + " (fields: as_of, since, "
                                "until, sources)", param="filters") from None
        answer = await gate.run(lambda: assistant.ask(question, filters=filters, history=history))
        text = reply_text(answer)
        if request.stream:
            return StreamingResponse(completion_events(answer, text),
                                     media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache"})
        return completion(answer, text)

    return router
