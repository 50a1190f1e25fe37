"""Write the answer with a language model, streamed token by token, from the kept passages.

An LCEL chain: answer prompt → chat model → text. It only runs after the extractive step
found the passages relevant enough (the same decline rules apply first, so a model is never
asked about passages that do not hold the answer), and its output is checked by `verify.py`
before anyone sees it as an answer with citations.
"""

from collections.abc import Iterator

from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser

from newsqa.assistant.prompt import answer_prompt, format_passages, rewrite_prompt


class GenerativeAnswerer:
    def __init__(self, model):
        self.model = model
        self.name = getattr(model, "name", None) or type(model).__name__
        self.chain = answer_prompt() | model | StrOutputParser()

    def stream(self, question: str, documents: list[Document]) -> Iterator[str]:
        yield from self.chain.stream({"question": question,
                                      "passages": format_passages(documents)})


class ModelRewriter:
    """Follow-up → standalone question with the language model; None when its reply is unusable."""

    def __init__(self, model):
        self.chain = rewrite_prompt() | model | StrOutputParser()

    def __call__(self, question: str, history: list[str]) -> str | None:
        reply = self.chain.invoke({"question": question,
                                   "history": "\n".join(f"- {q}" for q in history[-4:])})
        lines = [line.strip(" -*\"'“”") for line in reply.strip().splitlines() if line.strip()]
        if not lines:
            return None
        rewritten = lines[0].removeprefix("Rewritten question:").strip()
        words = len(rewritten.split())
        if words < 2 or words > 3 * len(question.split()) + 25:
            return None
        return rewritten
