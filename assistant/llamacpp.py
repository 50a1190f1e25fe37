"""A LangChain chat model over llama-cpp-python, for GGUF models run in-process.

langchain-community's `ChatLlamaCpp` would do, but that package is being sunset (it warns
so on import) and pulls in SQLAlchemy and aiohttp; this adapter is the small part we need:
`create_chat_completion` with the model's own chat template, streamed or not, with token
usage on `invoke` and LangChain's standard tracing parameters. It passes LangChain's standard
chat-model tests (tests/test_langchain_standard.py) for what it does; it has no tool calling,
structured output, JSON mode, or image/audio/PDF input, and runs the one GGUF file it was
made with (a per-call `model=` naming another is refused, not silently ignored).
"""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel, LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}

# A `Llama` object is not thread-safe, and the web UI answers several people at once: one
# generation at a time per process (the UI's queue also keeps llama.cpp to one, this holds
# for every other caller too).
_GENERATING = threading.Lock()
# Models loaded on first use, shared by every LlamaCppChat made for the same file and options.
_CLIENTS: dict[tuple, Any] = {}
_LOADING = threading.Lock()


def _messages(messages: list[BaseMessage]) -> list[dict]:
    return [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]


def _usage(usage: dict | None) -> UsageMetadata | None:
    if not usage:
        return None
    prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    return UsageMetadata(input_tokens=prompt, output_tokens=completion,
                         total_tokens=int(usage.get("total_tokens") or prompt + completion))


class LlamaCppChat(BaseChatModel):
    """A GGUF chat model at `model_path`, loaded on first use (or give a loaded
    `llama_cpp.Llama` as `client`); `load()` loads it at once."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    client: Any = None
    n_ctx: int = 4096
    n_threads: int | None = None
    max_tokens: int = 200
    temperature: float = 0.0
    stop: list[str] | None = None  # stop sequences for every call (a call's own are added)

    @classmethod
    def load(cls, model_path: str, *, n_ctx: int, threads: int | None, max_tokens: int,
             temperature: float) -> "LlamaCppChat":
        model = cls(model_path=model_path, n_ctx=n_ctx, n_threads=threads,
                    max_tokens=max_tokens, temperature=temperature)
        model.llama()  # errors (an unreadable file) show now, not at the first question
        return model

    def llama(self):
        """The loaded `llama_cpp.Llama`."""
        if self.client is None:
            key = (str(Path(self.model_path).resolve()), self.n_ctx, self.n_threads)
            with _LOADING:
                if key not in _CLIENTS:
                    from llama_cpp import Llama

                    _CLIENTS[key] = Llama(model_path=self.model_path, n_ctx=self.n_ctx,
                                          n_threads=self.n_threads, n_batch=256, seed=0,
                                          verbose=False)
                self.client = _CLIENTS[key]
        return self.client

    @property
    def model_name(self) -> str:
        return Path(self.model_path).name

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "max_tokens": self.max_tokens,
                "temperature": self.temperature, "stop": self.stop}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        model = kwargs.get("model")
        params = LangSmithParams(
            ls_provider="llamacpp", ls_model_type="chat",
            ls_model_name=model if isinstance(model, str) and model else self.model_name,
            ls_temperature=kwargs.get("temperature", self.temperature),
            ls_max_tokens=kwargs.get("max_tokens", self.max_tokens))
        stops = self._stops(stop)
        if stops:
            params["ls_stop"] = stops
        return params

    def _stops(self, stop: list[str] | None) -> list[str] | None:
        merged = [*(self.stop or []), *(stop or [])]
        return list(dict.fromkeys(merged)) or None

    def _options(self, stop: list[str] | None, kwargs: dict) -> dict:
        model = kwargs.get("model")
        if model and model not in (self.model_name, self.model_path):
            raise ValueError(f"LlamaCppChat runs {self.model_name} only; to use {model}, make "
                             "another LlamaCppChat(model_path=...)")
        return {"max_tokens": kwargs.get("max_tokens", self.max_tokens),
                "temperature": kwargs.get("temperature", self.temperature),
                "stop": self._stops(stop)}

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs) -> ChatResult:
        options = self._options(stop, kwargs)
        llama = self.llama()
        with _GENERATING:
            reply = llama.create_chat_completion(messages=_messages(messages), **options)
        choice = reply["choices"][0]
        text = choice["message"].get("content") or ""
        metadata = {"model_name": self.model_name, "finish_reason": choice.get("finish_reason")}
        message = AIMessage(content=text, usage_metadata=_usage(reply.get("usage")),
                            response_metadata=metadata)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs) -> Iterator[ChatGenerationChunk]:
        """The reply's pieces as llama.cpp makes them, then an empty last chunk with the
        finish reason. llama-cpp-python's stream carries no token counts, so streamed
        messages have no usage metadata."""
        options = self._options(stop, kwargs)
        llama = self.llama()
        finish = None
        with _GENERATING:  # held until the stream is finished or closed
            for part in llama.create_chat_completion(messages=_messages(messages), stream=True,
                                                     **options):
                choice = part["choices"][0]
                finish = choice.get("finish_reason") or finish
                text = choice.get("delta", {}).get("content") or ""
                if not text:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
        yield ChatGenerationChunk(message=AIMessageChunk(
            content="", chunk_position="last",
            response_metadata={"model_name": self.model_name, "finish_reason": finish}))
