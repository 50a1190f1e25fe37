"""The question-answering chain: question → retrieve → rerank → answer → cite.

`NewsAssistant` owns the models and the stores (loaded once). The retrieval half is one LCEL
runnable (follow-up rewrite → retrieve → rerank). The answer half is the extractive answerer
and, when `NEWSQA_LLM` names a model, a generated answer streamed token by token and then
verified (`verify.py`): unsupported sentences are dropped, and when none is supported the
quoted answer is shown instead. `stream()` yields the tokens and finally the `Answer`;
`ask()` returns only the `Answer`. `as_runnable()` is the same as a LangChain runnable (a
question, or chat messages, in; the `Answer` out), to compose with `|`, `.batch()` and so on.
The stages hand each other typed objects (`stages.py`): a `Lookup`, then a `Reading`.
"""

import copy
import dataclasses
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any

from langchain_core.messages import BaseMessage, convert_to_messages
from langchain_core.runnables import Runnable, RunnableLambda

from newsqa.assistant.answer import ExtractiveAnswerer
from newsqa.assistant.cite import compose, compose_verified, decline_text
from newsqa.assistant.followup import standalone_from_history
from newsqa.assistant.nlp import load_in_background
from newsqa.assistant.generate import GenerativeAnswerer, ModelRewriter
from newsqa.assistant.llm import load_chat_model
from newsqa.assistant.prompt import is_decline
from newsqa.assistant.recency import RecencyClock
from newsqa.assistant.rerank import CrossEncoder, SentenceReranker
from newsqa.assistant.short import ShortAnswerer
from newsqa.assistant.compare import SourceComparer
from newsqa.assistant.counts import CountTracker
from newsqa.assistant.story import StoryAnswerer
from newsqa.assistant.storyask import story_ask
from newsqa.assistant.yesno import YesNoJudge
from newsqa.assistant.result import (Answer, DroppedSentence, Generation, RetrievedPassage,
                                     SentenceVerdict)
from newsqa.index.eventdates import as_date
from newsqa.assistant.retrieve import NewsRetriever
from newsqa.assistant.stages import Lookup, Reading, ms_since as _ms
from newsqa.assistant.verify import CitationVerifier
from newsqa.index.embed import TextEmbedder, load_embedder
from newsqa.index.filters import PassageFilter, day_number
from newsqa.index.pipeline import open_keyword_index
from newsqa.index.store import PassageStore, open_store
from newsqa.index.stories import open_story_index
from newsqa.settings import Settings

Rewriter = Callable[[str, list[str]], str | None]


def build_chain(retriever: NewsRetriever, reranker: SentenceReranker,
                rewriter: Rewriter | None = None) -> Runnable:
    """question (+ history, filters) → the reranked passages, as a `Lookup`."""

    def as_input(value: Any) -> Lookup:
        value = {"question": value} if isinstance(value, str) else dict(value)
        started = time.perf_counter()
        asked = " ".join(str(value["question"]).split())
        history = [h for h in value.get("history") or [] if str(h).strip()]
        question = None
        if history and rewriter is not None:
            try:
                question = rewriter(asked, history)
            except Exception:  # a model that fails here must not stop the question
                question = None
        if not question:
            question = standalone_from_history(asked, history)
        return Lookup(asked=asked, question=question,
                      filters=value.get("filters") or PassageFilter(),
                      started=started, rewrite_ms=_ms(started))

    def retrieve(lookup: Lookup) -> Lookup:
        started = time.perf_counter()
        documents = (retriever.invoke(lookup.question, filters=lookup.filters)
                     if lookup.question else [])
        return dataclasses.replace(lookup, candidates=documents, retrieve_ms=_ms(started))

    def rerank(lookup: Lookup) -> Lookup:
        started = time.perf_counter()
        return dataclasses.replace(lookup, reranked=reranker.rerank(lookup.question,
                                                                    lookup.candidates),
                                   rerank_ms=_ms(started))

    return (RunnableLambda(as_input, name="question")
            | RunnableLambda(retrieve, name="retrieve")
            | RunnableLambda(rerank, name="rerank"))


def runnable_input(value: Any) -> dict:
    """`ask()`'s arguments from a question, chat messages, or a dict of them."""
    if isinstance(value, str):
        return {"question": value}
    if isinstance(value, dict) and "question" in value:
        return dict(value)
    if isinstance(value, BaseMessage):
        value = [value]
    if isinstance(value, (list, tuple)) and value:
        messages = convert_to_messages(value)
        if messages[-1].type != "human":
            raise ValueError("The last message must be the user's question (a human message), "
                             f"not a {messages[-1].type} message.")
        return {"question": messages[-1].text,
                "history": [m.text for m in messages[:-1] if m.type == "human"]}
    raise TypeError("NewsAssistant takes a question (str), chat messages ending with the "
                    "user's question, or a dict with 'question'; got "
                    f"{type(value).__name__}.")


def make_answerer(settings: Settings, cross_encoder) -> ExtractiveAnswerer:
    """The answer step as settings configure it (shared with the replays of eval/)."""
    return ExtractiveAnswerer(
        min_relevance=settings.min_relevance, max_sentences=settings.max_answer_sentences,
        margin=settings.answer_margin, type_bonus=settings.type_bonus,
        min_confidence=settings.min_confidence, headline=settings.answer_headline,
        short=ShortAnswerer(min_score=settings.min_short_score) if settings.short_answer
        else None,
        yesno=YesNoJudge(cross_encoder) if settings.yes_no else None)


class NewsAssistant:
    def __init__(self, settings: Settings, *, embedder: TextEmbedder | None = None,
                 store: PassageStore | None = None, cross_encoder: CrossEncoder | None = None,
                 chat_model=None):
        self.settings = settings
        self.embedder = embedder or load_embedder(
            settings.embedding_model, batch_size=settings.embedding_batch_size,
            threads=settings.threads)
        self.store = store or open_store(settings, self.embedder)
        self.keyword = None
        if settings.hybrid:
            self.keyword = open_keyword_index(settings)
            self.keyword.catch_up(self.store)  # not while an ingest runs: it syncs at its end
            if settings.chroma_url:  # ingests on other machines write to the same server
                self.keyword.follow(self.store, settings.keyword_sync_seconds)
        self.cross_encoder = cross_encoder or CrossEncoder(
            settings.reranker_model, threads=settings.threads,
            batch_size=settings.rerank_batch_size)
        pool = max(settings.candidates, settings.top_k) if settings.rerank else settings.top_k
        self.retriever = NewsRetriever(
            store=self.store, embedder=self.embedder, keyword=self.keyword, k=pool,
            depth=max(settings.search_depth, pool), recency_bonus=settings.recency_bonus,
            dedupe_threshold=settings.dedupe_threshold)
        self.reranker = SentenceReranker(self.cross_encoder, top_k=settings.top_k,
                                         enabled=settings.rerank,
                                         max_pairs=settings.rerank_max_pairs)
        self.answerer = make_answerer(settings, self.cross_encoder)
        self.chat_model = chat_model if chat_model is not None else load_chat_model(settings)
        self.generator = GenerativeAnswerer(self.chat_model) if self.chat_model else None
        self.verifier = CitationVerifier(self.cross_encoder, min_support=settings.min_support,
                                         min_relevance=settings.min_answer_relevance)
        self.chain = build_chain(self.retriever, self.reranker,
                                 ModelRewriter(self.chat_model) if self.chat_model else None)
        self.recency = RecencyClock(settings.recency_from, settings.data_dir)
        self.stories = open_story_index(settings.data_dir)
        self.stories.catch_up(self.store)  # an index made before stories existed gets them now
        self.story_answerer = StoryAnswerer(self.stories, self.store, self.cross_encoder,
                                            self.embedder, min_relevance=settings.min_relevance)
        self.count_tracker = CountTracker(self.story_answerer)
        if self.answerer.short or self.answerer.yesno:
            load_in_background()  # spaCy, needed by the answer step, while the models warm
        self.source_comparer = SourceComparer(
            self.story_answerer, min_relevance=settings.min_relevance,
            search=lambda topic, filters: self.chain.invoke(
                {"question": topic, "filters": filters, "history": []}).documents)

    def _dated(self, filters: PassageFilter) -> PassageFilter:
        """`filters` with the day "today" is, when the index is live and no as-of is set."""
        if filters.as_of or filters.today:
            return filters
        today = self.recency.today()
        return dataclasses.replace(filters, today=today) if today else filters

    def stream(self, question: str, *, filters: PassageFilter | None = None, as_of=None,
               since=None, until=None, sources=(),
               history: list[str] | None = None) -> Iterator[str | Answer]:
        """Yield the generated answer's text pieces as they come, then the final `Answer`.

        Without a language model (or when the assistant declines before asking one) only
        the `Answer` is yielded. `history` holds the chat's earlier user questions, oldest
        first: a follow-up such as "What about Macron?" is rewritten against them.
        """
        if filters is None:
            filters = PassageFilter.build(as_of=as_of, since=since, until=until, sources=sources)
        dated = self._dated(filters)
        asked = story_ask(question, as_date(dated.as_of or dated.today))
        if asked is not None:
            answer = self._story(question, asked, dated)
            if answer is not None:
                yield answer
                return
        reading = self._read(self.chain.invoke({"question": question,
                                                "filters": self._dated(filters),
                                                "history": history or []}))
        if self.generator is None or reading.draft.declined:
            mode = "declined" if reading.draft.declined and self.generator else "extractive"
            yield self._extractive(reading, Generation(
                mode=mode, model=self.generator.name if self.generator else None))
        else:
            yield (yield from self._generated(reading))

    def _story(self, question: str, asked, filters: PassageFilter) -> Answer | None:
        """A timeline, the latest, what is new since or how outlets differ, read across the
        story's articles; None when no story is found (the question is then answered as any
        other)."""
        lookup = self.chain.invoke({"question": asked.topic, "filters": filters, "history": []})
        started = time.perf_counter()
        answerer = self.source_comparer if asked.kind == "compare_sources" else self.story_answerer
        reply = answerer.answer(asked, lookup.documents, filters)
        if reply is None:
            return None
        timings = {"retrieve": lookup.retrieve_ms, "rerank": lookup.rerank_ms,
                   "answer": _ms(started), "total": _ms(lookup.started)}
        return Answer(question=question, standalone_question=asked.topic, answer=reply.text,
                      abstained=False, kind=asked.kind, items=reply.items, story=reply.story,
                      disagreements=reply.disagreements,
                      citations=reply.citations, relevance=reply.relevance, confidence=None,
                      timings_ms=timings, generation=Generation(mode="extractive"),
                      retrieved=[RetrievedPassage(
                          chunk_id=d.metadata["chunk_id"], article_id=d.metadata["article_id"],
                          title=d.metadata.get("title") or "", score=d.metadata["score"],
                          text=d.page_content) for d in lookup.documents])

    def _read(self, lookup: Lookup) -> Reading:
        """The answer stage: the extractive draft, with the retrieval half's timings."""
        started = time.perf_counter()
        filters = lookup.filters
        draft = self.answerer.draft(lookup.question, lookup.reranked,
                                    reference_day=filters.latest_day,
                                    today_day=day_number(filters.today))
        reading = Reading(lookup, draft, {"retrieve": lookup.retrieve_ms,
                                          "rerank": lookup.rerank_ms})
        reading.record("answer", started)
        if lookup.rewrite_ms >= 1:
            reading.timings["rewrite"] = lookup.rewrite_ms
        return reading

    def _generated(self, reading: Reading) -> Generator[str, None, Answer]:
        """Yield the model's answer as it comes; return it verified (or the quoted one)."""
        lookup, model = reading.lookup, self.generator.name
        documents = lookup.documents
        pieces: list[str] = []
        started = time.perf_counter()
        try:
            for piece in self.generator.stream(lookup.question, documents):
                if not pieces:
                    reading.record("first_token", lookup.started)
                pieces.append(piece)
                yield piece
        except Exception as error:  # unreachable server, model crash: quote instead
            reading.record("generate", started)
            return self._extractive(reading, Generation(
                mode="fallback", model=model, generated="".join(pieces) or None,
                error=f"{type(error).__name__}: {error}"))
        reading.record("generate", started)
        generated = "".join(pieces).strip()
        if is_decline(generated) or not generated:
            text = decline_text("the model found no answer in the passages")
            return self._answer(reading, text, [], True, Generation(
                mode="model-declined", model=model, generated=generated))

        started = time.perf_counter()
        verification = self.verifier.verify(generated, documents, question=lookup.question)
        reading.record("verify", started)
        dropped = [DroppedSentence(sentence=c.sentence, reason=c.reason or "unsupported")
                   for c in verification.dropped]
        checked = [SentenceVerdict(
            sentence=c.sentence, supported=c.supported, support=c.support, coverage=c.coverage,
            cross_encoder=c.cross_encoder, reason=c.reason,
            chunk_id=c.document.metadata.get("chunk_id") if c.document else None)
            for c in verification.checks]
        if not verification.kept:
            return self._extractive(reading, Generation(
                mode="fallback", model=model, generated=generated, dropped=dropped,
                sentences=checked))
        text, citations, short = compose_verified(verification)
        return self._answer(reading, text, citations, False, Generation(
            mode="partial" if dropped else "generated", model=model, generated=generated,
            dropped=dropped, sentences=checked), confidence=None, short_answer=short)

    def ask(self, question: str, **options) -> Answer:
        """The final `Answer` of `stream()` (same arguments)."""
        answer = None
        for answer in self.stream(question, **options):
            pass
        return answer

    def as_runnable(self) -> Runnable:
        """This assistant as a LangChain runnable: `Answer` out, for any of these in:

        * a question (`str`);
        * chat messages (`BaseMessage`s, `("human", text)` pairs or role/content dicts), the
          last one the user's question; the user's earlier messages are the history that
          follow-ups are read against;
        * a dict of `ask()`'s arguments: `{"question": ..., "history": [...], "as_of": ...}`.
        """
        return RunnableLambda(lambda value: self.ask(**runnable_input(value)),
                              name="NewsAssistant")

    def search(self, question: str, *, filters: PassageFilter | None = None,
               history: list[str] | None = None) -> list:
        """The reranked passages (LangChain `Document`s, best first) `stream()` answers from."""
        return self.chain.invoke({"question": question,
                                  "filters": self._dated(filters or PassageFilter()),
                                  "history": history or []}).documents

    def without_model(self) -> "NewsAssistant":
        """This assistant answering without its language model (same index and models)."""
        if self.generator is None:
            return self
        twin = copy.copy(self)
        twin.chat_model = twin.generator = None
        twin.chain = build_chain(self.retriever, self.reranker, None)
        return twin

    def _extractive(self, reading: Reading, generation: Generation) -> Answer:
        """The citing stage for the quoted (extractive) answer; a count a later report of
        the story changed is given as its latest figure (assistant/counts.py)."""
        update = (self.count_tracker.update(reading.lookup.question, reading.draft,
                                            reading.lookup.filters)
                  if self.count_tracker is not None else None)
        text, citations, short = compose(update.draft if update else reading.draft)
        if update is not None:
            text = f"{text} {update.note(citations)}"
        return self._answer(reading, text, citations, reading.draft.declined, generation,
                            short_answer=short)

    @staticmethod
    def _answer(reading: Reading, text: str, citations: list, abstained: bool,
                generation: Generation, **overrides) -> Answer:
        """The citing stage: the `Answer`, its `total` time taken now."""
        lookup, draft = reading.lookup, reading.draft
        reading.record("total", lookup.started)
        fields = dict(
            question=lookup.asked, answer=text, standalone_question=lookup.standalone_question,
            abstained=abstained, citations=citations, relevance=draft.best_score,
            confidence=draft.confidence,
            signals=draft.signals.as_dict() if draft.signals else {},
            timings_ms=reading.timings, generation=generation,
            retrieved=[RetrievedPassage(
                chunk_id=d.metadata["chunk_id"], article_id=d.metadata["article_id"],
                title=d.metadata.get("title") or "", score=d.metadata["score"],
                text=d.page_content) for d in lookup.documents],
        )
        fields.update(overrides)
        return Answer(**fields)

    def warm_up(self) -> None:
        """Load the models now rather than on the first question."""
        self.embedder.embed_query("warm up")
        self.cross_encoder.score("warm up", ["warm up"])
        if self.answerer.short or self.answerer.yesno:
            from newsqa.assistant.nlp import pipeline

            pipeline()  # spaCy (~1.5 s), used by the short answer and the Yes/No judge
