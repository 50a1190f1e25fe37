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
event carries the citations.

A client must be able to trust that what it asked for happened, so every option is either
honoured or refused with OpenAI's 400 error naming it (`param`) and saying what to send:

- honoured: `stream`, `stream_options.include_usage` (a last chunk with `choices: []` and
  `usage`), `max_tokens` / `max_completion_tokens` (the smaller of the two; the content is
  cut to that many tokens and `finish_reason` is "length"), `stop` (the content ends before
  the first stop text), and `filters` (newsqa's own, as in /api/ask).
- refused: `n` > 1, `tools` / `functions` unless `tool_choice` / `function_call` is "none"
  (no tool is ever called), `tool_choice` "required" or a named tool without tools,
  `response_format` other than `{"type": "text"}`, `logprobs: true`, `top_logprobs`, and
  `stream_options` without `stream: true`.
- accepted with no effect: the sampling options (temperature, top_p, seed, presence and
  frequency penalties, logit_bias) and bookkeeping ones (user, metadata, store, ...),
  since answers are quoted or verified, not sampled.

Tokens (`usage`, `max_tokens`) are the embedding model's (NEWSQA_EMBEDDING_MODEL; by
default all-MiniLM-L6-v2's uncased WordPiece), the one tokenizer the server has loaded,
counted without special tokens: `prompt_tokens` is the sum over the messages' text (no
per-message overhead) and `completion_tokens` the reply's content. An OpenAI model's own
tokenizer would give other numbers; these are the server's, counted the same way each time.
"""

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

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

TokenCounter = Callable[[list[str]], list[int]]


@dataclass(frozen=True)
class Reply:
    """The content sent back, why it ended, and its token counts."""

    text: str
    finish_reason: str  # "stop", or "length" when max_tokens cut it
    usage: dict[str, int]


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


def refused(param: str, message: str, code: str | None = "unsupported_value") -> ApiError:
    """OpenAI's 400 for an option this server cannot honour."""
    return ApiError(400, f"{param}: {message}", param=param, code=code)


def check_tools(tools: list | None, choice, name: str, choice_name: str) -> None:
    """Tools are refused unless the client says none may be called: none ever is."""
    if tools and choice != "none":
        raise refused(name, "this server calls no tools or functions; it answers from the "
                            f"articles only. Leave {name} out, or send {choice_name}: "
                            "\"none\".", "unsupported_parameter")
    if not tools and choice not in (None, "none", "auto"):
        raise refused(choice_name, f"there are no {name} to call here; leave {choice_name} "
                                   "out or send \"none\".")


def check_options(request) -> None:
    """400 naming the first option that cannot be honoured, before any work."""
    if request.n is not None and request.n > 1:
        raise refused("n", f"{request.n} choices asked for, but a question has one answer "
                           "here (quoted or verified, not sampled, so more choices would "
                           "repeat it); send n: 1 or leave n out.")
    check_tools(request.tools, request.tool_choice, "tools", "tool_choice")
    check_tools(request.functions, request.function_call, "functions", "function_call")
    kind = (request.response_format or {"type": "text"}).get("type")
    if kind != "text":
        raise refused("response_format", f"type {kind!r} is not offered: the reply is text "
                                         "with [n] citations and its sources (the structured "
                                         "answer is the response's `newsqa` field); send "
                                         "{\"type\": \"text\"} or leave response_format out.")
    if request.logprobs:
        raise refused("logprobs", "answers are quoted or verified, not sampled, so there are "
                                  "no token probabilities; send logprobs: false or leave it out.")
    if request.top_logprobs is not None:
        raise refused("top_logprobs", "there are no token probabilities (answers are not "
                                      "sampled); leave top_logprobs out.",
                      "unsupported_parameter")
    if request.stream_options is not None and not request.stream:
        raise ApiError(400, "stream_options: only allowed with \"stream\": true; send both "
                            "or leave stream_options out.", param="stream_options",
                       code="invalid_value")


def token_limit(request) -> int | None:
    """max_tokens or max_completion_tokens (the older and newer names); the smaller of both."""
    limits = [n for n in (request.max_tokens, request.max_completion_tokens) if n is not None]
    return min(limits) if limits else None


def cut_at_stop(text: str, stops: list[str] | None) -> str:
    """The text before the first of the stop texts, as OpenAI leaves them out."""
    found = [text.find(s) for s in stops or [] if s in text]
    return text[:min(found)] if found else text


def cut_to_tokens(text: str, limit: int, count: TokenCounter) -> str:
    """The longest prefix of `text` of at most `limit` tokens. A binary search over
    characters, since a tokenizer behind `count` gives counts, not offsets; a word may be cut
    inside, as a token limit cuts it."""
    low, high = 0, len(text)  # count(text[:low]) <= limit throughout
    while low < high:
        middle = (low + high + 1) // 2
        if count([text[:middle]])[0] <= limit:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def build_reply(answer, request, count: TokenCounter) -> Reply:
    """The content as asked (stop texts, token limit) and its usage."""
    text, finish = cut_at_stop(reply_text(answer), request.stop), "stop"
    limit = token_limit(request)
    if limit is not None and count([text])[0] > limit:
        text, finish = cut_to_tokens(text, limit, count), "length"
    prompt = sum(count([message.text() for message in request.messages]))
    completion = count([text])[0]
    return Reply(text, finish, {"prompt_tokens": prompt, "completion_tokens": completion,
                                "total_tokens": prompt + completion})


def completion(answer, reply: Reply) -> dict:
    citations = [c.model_dump() for c in answer.citations]
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion",
        "created": int(time.time()), "model": MODEL_ID,
        "choices": [{"index": 0, "finish_reason": reply.finish_reason, "logprobs": None,
                     "message": {"role": "assistant", "content": reply.text,
                                 "citations": citations}}],
        "usage": reply.usage,
        "citations": citations, "newsqa": answer.public_dict(),
    }


def completion_events(answer, reply: Reply, *, include_usage: bool = False):
    """The server-sent events of one streamed completion; with `include_usage`, every chunk
    has `usage: null` and a last one before [DONE] has `choices: []` and the usage, as
    OpenAI sends them."""
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": MODEL_ID}
    if include_usage:
        base["usage"] = None

    def data(chunk: dict) -> str:
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    def event(delta: dict, finish: str | None = None, **extra) -> str:
        return data({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                                          "logprobs": None}], **extra})

    yield event({"role": "assistant", "content": ""})
    pieces = reply.text.split("\n\n")
    for number, piece in enumerate(pieces):
        yield event({"content": piece + ("\n\n" if number < len(pieces) - 1 else "")})
    citations = [c.model_dump() for c in answer.citations]
    yield event({}, reply.finish_reason, citations=citations, newsqa=answer.public_dict())
    if include_usage:
        yield data({**base, "choices": [], "usage": reply.usage})
    yield "data: [DONE]\n\n"


def openai_router(assistant: NewsAssistant, gate: AnswerGate, models: RequestModels,
                  **router_options) -> APIRouter:
    router = APIRouter(**router_options)
    settings = assistant.settings
    count = assistant.embedder.count_tokens
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
        """OpenAI's chat completion; options it cannot honour (n > 1, tools, JSON output,
        logprobs) are refused with 400 naming them. Extra fields: `filters` in the request
        (as /api/ask); `citations` and `newsqa` (the `ask --json` object) in the response."""
        if request.model != MODEL_ID:
            raise ApiError(404, f"model: no model '{request.model[:100]}'; this server has "
                                f"one, '{MODEL_ID}'.", param="model", code="model_not_found",
                           kind="not_found_error")
        check_options(request)
        question, history = conversation(request.messages, max_chars=settings.max_question_chars,
                                         max_turns=settings.max_history_turns)
        filters = passage_filter(request.filters or Filters())

        def answer_and_reply():
            answer = assistant.ask(question, filters=filters, history=history)
            return answer, build_reply(answer, request, count)

        answer, reply = await gate.run(answer_and_reply)
        if request.stream:
            include_usage = bool(request.stream_options and request.stream_options.include_usage)
            return StreamingResponse(completion_events(answer, reply, include_usage=include_usage),
                                     media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache"})
        return completion(answer, reply)

    return router
