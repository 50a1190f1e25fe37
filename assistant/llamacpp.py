"""A LangChain chat model over llama-cpp-python, for GGUF models run in-process.

langchain-community's `ChatLlamaCpp` would do, but that package is being sunset (it warns
so on import) and pulls in SQLAlchemy and aiohttp; this adapter is the small part we need:
`create_chat_completion` with the model's own chat template, streamed or not.
"""

import threading
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}

# A `Llama` object is not thread-safe, and the web UI answers several people at once: one
# generation at a time per process (the UI's queue also keeps llama.cpp to one, this holds
# for every other caller too).
_GENERATING = threading.Lock()


def _messages(messages: list[BaseMessage]) -> list[dict]:
    return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]


class LlamaCppChat(BaseChatModel):
    """`client` is a loaded `llama_cpp.Llama`; see `load()`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    client: Any
    model_path: str
    max_tokens: int = 200
    temperature: float = 0.0

    @classmethod
    def load(cls, model_path: str, *, n_ctx: int, threads: int | None, max_tokens: int,
             temperature: float) -> "LlamaCppChat":
        from llama_cpp import Llama

        client = Llama(model_path=model_path, n_ctx=n_ctx, n_threads=threads, n_batch=256,
                       seed=0, verbose=False)
        return cls(client=client, model_path=model_path, max_tokens=max_tokens,
                   temperature=temperature)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    def _options(self, stop: list[str] | None) -> dict:
        return {"max_tokens": self.max_tokens, "temperature": self.temperature,
                "stop": stop or None}

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs) -> ChatResult:
        with _GENERATING:
            reply = self.client.create_chat_completion(messages=_messages(messages),
                                                       **self._options(stop))
        text = reply["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs) -> Iterator[ChatGenerationChunk]:
        with _GENERATING:  # held until the stream is finished or closed
            for part in self.client.create_chat_completion(messages=_messages(messages),
                                                           stream=True, **self._options(stop)):
                text = part["choices"][0].get("delta", {}).get("content") or ""
                if not text:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
