"""`newsqa bench`: ingest and question speed, side by side with the LangChain tutorial
pipeline, in one run on the same articles.

What it measures, in order (README "Performance" has a table and the command):

1. **Sample**: answerable RealTime QA dev questions, spread evenly over the weeks, their
   evidence articles, and more articles of the same weeks up to `articles`.
2. **Ceiling**: raw embedding throughput of the very passage texts newsqa produces
   (`embedding_text`: header + passage) in one `embed()` call.
3. **newsqa ingest** of the sample into a fresh folder (load, clean, chunk, embed, Chroma,
   BM25), with the model already loaded: articles/s, chunks/s, tokens/s, overhead over (2).
4. **Tutorial pipeline** a user would otherwise copy: RecursiveCharacterTextSplitter(1000,
   200) + HuggingFaceEmbeddings (same model, same folder) + `Chroma.from_documents`, model
   loaded before timing as for (3). Retrieval quality of both on the sample's questions:
   a passage among the top 5 holds the gold answer (newsqa: its chain's 5 passages after
   reranking; tutorial: `similarity_search(k=5)`; no date filters for either).
5. **Store size** (`--sizes`, default 1k, 10k, 100k; 1M takes about an hour here): the
   sample's index is grown with synthetic filler passages. Each filler joins the first half
   of one real passage's sentences to the second half of another's; its vector is the
   normalised sum of theirs plus Gaussian noise (σ = 0.02 per dimension), so it is stored
   and searched like real text without being embedded. It is written like any other row
   (with a change number), and the keyword index takes it in by the same sync an ingest
   uses (`keyword_sync_s`). At each size: p50/p95 of retrieve, rerank, answer and total
   over the sample's questions, and of story answers (timeline, latest) on the sample's
   biggest stories; the bench process's resident memory (`rss_mb`) and peak
   (`peak_rss_mb`, which includes the tutorial pipeline's model from step 4); the index
   on disk (`disk_mb`: Chroma and keyword index); ten real articles held out of the sample
   added to the full index (`add_s` end to end, `add_keyword_s` its keyword part); and
   unless `--no-cold-starts`, a fresh `newsqa ask` and `newsqa serve` to their first
   answer, with the server's resident memory then (`serving_rss_mb`: what serving that
   index takes on its own).
6. **Cold start** on the sample's index, as in (5).

With `--out`, `bench.json` and `scaling.png` (the curves over sizes) are written there.
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from newsqa.eval.corpus import read_jsonl, write_jsonl
from newsqa.eval.normalize import contains_any
from newsqa.eval.registry import shared_folder
from newsqa.eval.runner import fixed_sample
from newsqa.eval.realtimeqa import DOC_FIELDS, load_questions
from newsqa.settings import Settings

FULL_SIZES = (1_000, 10_000, 100_000)
FILLER_ORIGIN = "bench-filler"
FILLER_SOURCE = "filler"
ADDED_PER_SIZE = 10  # articles added to the full index at each size
QUICK_SIZES = (1_000, 10_000)
Log = Callable[[str], None]


@dataclass
class BenchSample:
    folder: Path
    corpus: Path  # a JSONL file in newsqa's input format
    records: list[dict]
    questions: list = field(default_factory=list)  # TestQuestion with a gold answer
    spare: list[dict] = field(default_factory=list)  # articles kept out, added at each size


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float | None:
    """Resident memory now (Linux), after the tutorial pipeline's objects are released."""
    import gc

    gc.collect()
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def build_sample(folder: Path, articles: int, questions: int,
                 spare_articles: int = 0) -> BenchSample:
    """Evidence articles of evenly spread answerable questions, filled up from their weeks."""
    dev = shared_folder("realtimeqa-dev")
    docs = {record["id"]: record for _, record in read_jsonl(dev / "docs.jsonl")}
    candidates = [q for q in load_questions(dev)
                  if q.answerable and q.answer and q.evidence.article_ids]
    chosen, picked = [], []
    for question in fixed_sample(candidates, min(len(candidates), questions * 3)):
        ids = [i for i in question.evidence.article_ids if i in docs]
        if ids and len(chosen) < questions and len(set(picked) | set(ids)) <= articles:
            chosen.append(question)
            picked += [i for i in ids if i not in picked]
    weeks = {w for i in picked for w in docs[i].get("weeks") or []}
    for doc_id, record in docs.items():
        if len(picked) >= articles:
            break
        if doc_id not in picked and set(record.get("weeks") or []) & weeks:
            picked.append(doc_id)
    records = [{key: docs[i].get(key) for key in DOC_FIELDS} for i in picked]
    corpus = write_jsonl(folder / "sample.jsonl", records)
    taken = set(picked)
    spare = [{key: record.get(key) for key in DOC_FIELDS} for doc_id, record in docs.items()
             if doc_id not in taken and record.get("text")]
    spare = spare[len(spare) - spare_articles:] if spare_articles else []
    return BenchSample(folder, corpus, records, chosen, spare)


def measure_ceiling(embedder, texts: list[str]) -> dict:
    embedder.embed(texts[:8])  # warm
    started = time.perf_counter()
    embedder.embed(texts)
    seconds = time.perf_counter() - started
    tokens = sum(embedder.count_tokens(texts))
    return {"chunks": len(texts), "tokens": tokens, "seconds": round(seconds, 2),
            "chunks_per_s": round(len(texts) / seconds, 1),
            "tokens_per_s": round(tokens / seconds)}


def measure_newsqa_ingest(sample: BenchSample, settings: Settings, embedder) -> tuple[dict, list[str]]:
    from newsqa.index.chunk import chunk_article
    from newsqa.index.pipeline import ingest, prepare

    articles, _ = prepare([sample.corpus])
    texts = [p.embedding_text for a in articles for p in chunk_article(
        a, max_tokens=min(settings.chunk_tokens, embedder.max_tokens),
        count_tokens=embedder.count_tokens, overlap_sentences=settings.chunk_overlap_sentences)]
    started = time.perf_counter()
    report = ingest([sample.corpus], settings, embedder=embedder)
    seconds = time.perf_counter() - started
    tokens = sum(embedder.count_tokens(texts))
    return {"articles": len(report.new), "chunks": report.passages_written,
            "tokens": tokens, "seconds": round(seconds, 2),
            "articles_per_s": round(len(report.new) / seconds, 2),
            "chunks_per_s": round(report.passages_written / seconds, 1),
            "tokens_per_s": round(tokens / seconds)}, texts


def tutorial_model(embedding_model: str) -> str:
    """The sentence-transformers folder a tutorial user would load: for newsqa's int8 copy,
    the original it was made from."""
    config = Path(embedding_model) / "newsqa-onnx.json"
    if config.is_file():
        return json.loads(config.read_text()).get("source") or embedding_model
    return embedding_model


def measure_tutorial(sample: BenchSample, model_path: str, folder: Path) -> tuple[dict, object]:
    """The pipeline of LangChain's RAG tutorial, timed from raw articles to a stored index."""
    try:
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter
    except ImportError as error:
        from newsqa.errors import NewsqaError

        raise NewsqaError(f"The tutorial pipeline needs the bench extra: pip install "
                          f"'newsqa[bench]' ({error}).") from None

    embeddings = HuggingFaceEmbeddings(model_name=model_path,
                                       encode_kwargs={"normalize_embeddings": True})
    embeddings.embed_documents(["warm up"])
    documents = [Document(page_content=f"{r.get('title') or ''}\n\n{r.get('text') or ''}",
                          metadata={"article_id": r["id"]}) for r in sample.records]
    started = time.perf_counter()
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        documents)
    store = Chroma.from_documents(splits, embeddings, persist_directory=str(folder),
                                  client_settings=ChromaSettings(anonymized_telemetry=False))
    seconds = time.perf_counter() - started
    return {"articles": len(documents), "chunks": len(splits), "seconds": round(seconds, 2),
            "articles_per_s": round(len(documents) / seconds, 2),
            "chunks_per_s": round(len(splits) / seconds, 1)}, store


def hit_at_5(search: Callable[[str], list[str]], questions) -> float | None:
    hits = [any(contains_any(text, [q.answer, *q.aliases]) for text in search(q.question)[:5])
            for q in questions]
    return round(sum(hits) / len(hits), 3) if hits else None


def grow_store(store, target: int, seed: int = 0) -> int:
    """Add synthetic filler passages until the store holds `target` (see module docstring)."""
    from newsqa.index.sentences import split_sentences

    have = store.count()
    if have >= target:
        return 0
    base = [row for row in store.scan() if row[2].get("origin") != FILLER_ORIGIN]
    vectors = {pid: np.asarray(v, dtype=np.float32) for pid, v in store.vectors([b[0] for b in base])}
    halves = [([s.text for s in split(text)[: max(1, len(split(text)) // 2)]],
               [s.text for s in split(text)[len(split(text)) // 2:]])
              for split in [_memo(split_sentences)] for _, text, _ in base]
    rng = np.random.default_rng(seed + have)
    added = 0
    while have + added < target:
        n = min(4000, target - have - added)
        ids, docs, metas, vecs = [], [], [], []
        pairs = rng.integers(0, len(base), size=(n, 2))
        noise = rng.normal(0, 0.02, size=(n, len(next(iter(vectors.values())))))
        for k, (a, b) in enumerate(pairs):
            (ida, _, ma), (idb, _, _) = base[a], base[b]
            text = " ".join(halves[a][0] + halves[b][1])
            vector = vectors[ida] + vectors[idb] + noise[k]
            number = have + added + k
            ids.append(f"filler-{number}")
            docs.append(text)
            metas.append({**{k: v for k, v in ma.items() if k != "seq"},  # gets its own
                          "article_id": f"filler-{number // 16}", "position": number % 16,
                          "origin": FILLER_ORIGIN, "content_hash": "filler",
                          "source": FILLER_SOURCE, "source_key": FILLER_SOURCE})
            vecs.append(vector / np.linalg.norm(vector))
        store.put_rows(ids, np.asarray(vecs, dtype=np.float32), docs, metas)
        added += n
    return added


def _memo(function):
    cache: dict = {}

    def memoised(text):
        if text not in cache:
            cache[text] = function(text)
        return cache[text]
    return memoised


def folder_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 1e6, 1)


def measure_add(records: list[dict], settings: Settings, embedder, folder: Path) -> dict:
    """Ingest a few new real articles into the grown index, end to end, as a feed poll would."""
    from newsqa.index.pipeline import ingest

    corpus = write_jsonl(folder / f"add-{records[0]['id']}.jsonl", records)
    report = ingest([corpus], settings, embedder=embedder)
    return {"add_articles": len(report.new), "add_passages": report.passages_written,
            "add_s": round(report.seconds, 2), "add_keyword_s": round(report.keyword_seconds, 3)}


def measure_latency(assistant, questions, repeat: int = 1) -> dict:
    timings: dict[str, list[float]] = {"retrieve": [], "rerank": [], "answer": [], "total": []}
    for question in questions[:3]:
        assistant.ask(question.question)  # warm caches
    for _ in range(repeat):
        for question in questions:
            answer = assistant.ask(question.question)
            for key in timings:
                timings[key].append(answer.timings_ms.get(key, 0.0))
    return {f"{key}_{q}_ms": percentile(values, pct) for key, values in timings.items()
            for q, pct in (("p50", 50), ("p95", 95))}


STORY_ASKS = ("Give me a timeline of {}", "What's the latest on {}?")
STORY_QUESTIONS = 8


def story_questions(assistant, count: int = STORY_QUESTIONS) -> list[str]:
    """Timeline and latest questions on the sample's biggest stories, by their headlines,
    chosen once before any filler is added so that every size asks the same ones."""
    stories = [s for s in assistant.stories.stories(limit=count)  # the biggest first
               if FILLER_SOURCE not in s.sources and s.title]
    return [STORY_ASKS[k % len(STORY_ASKS)].format(s.title.rstrip(" ?.!"))
            for k, s in enumerate(stories)]


def measure_story_latency(assistant, questions: list[str]) -> dict:
    """p50/p95 of a story answer (timeline, latest) end to end, and how many were story
    answers (the rest fell back to an ordinary answer)."""
    for question in questions[:2]:
        assistant.ask(question)  # warm caches
    totals, stories = [], 0
    for question in questions:
        answer = assistant.ask(question)
        totals.append(answer.timings_ms.get("total", 0.0))
        stories += answer.kind != "answer"
    return {"story_total_p50_ms": percentile(totals, 50), "story_total_p95_ms": percentile(totals, 95),
            "story_questions": len(questions), "story_answers": stories}


def cold_start_ask(data_dir: Path, question: str) -> float:
    env = {**os.environ, "NEWSQA_DATA_DIR": str(data_dir)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newsqa.cli", "ask", question, "--json"], env=env,
                   check=True, capture_output=True)
    return round(time.perf_counter() - started, 2)


def process_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def answers_at_all(url: str) -> bool:
    """The URL gives any HTTP answer (the loading page's 503 counts)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def cold_start_app(data_dir: Path, question: str, timeout: float = 180,
                   memory: dict | None = None) -> float:
    """Spawn `newsqa serve` on a free localhost port; seconds until its API answers.

    `memory["serving_rss_mb"]` gets the server's resident memory after that answer: what
    serving this index takes, without the bench's own models and stores; `memory["page_s"]`
    the seconds until its address first answered (the loading page, newsqa/serving/starting.py)
    and `memory["ready_s"]` until the real page did."""
    from gradio_client import Client

    from newsqa.eval.bench.processes import free_port, http_ready, running_process

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    seen: dict = {}

    def ready() -> bool:
        if "page_s" not in seen and answers_at_all(url):
            seen["page_s"] = round(time.perf_counter() - started, 2)
        return "page_s" in seen and http_ready(url, timeout=1)

    args = [sys.executable, "-m", "newsqa.cli", "serve", "--port", str(port),
            "--data-dir", str(data_dir), "--no-samples"]
    with running_process(args, data_dir.parent / "cold-start.log", ready,
                         what="the app", timeout=timeout, poll=0.1) as process:
        seen["ready_s"] = round(time.perf_counter() - started, 2)
        Client(url, verbose=False).predict(question, api_name="/chat")
        seconds = round(time.perf_counter() - started, 2)
        if memory is not None:
            memory["serving_rss_mb"] = process_rss_mb(process.pid)
            memory.update(seen)
        return seconds


def run_bench(*, quick: bool = False, articles: int | None = None, questions: int | None = None,
              sizes: tuple[int, ...] | None = None, settings: Settings | None = None,
              cold_starts: bool = True, compare: bool = True, out: Path | None = None,
              log: Log = print) -> dict:
    """`compare=False` skips the raw-encode and tutorial baselines (about 8 min), for a run
    that measures only the sizes."""
    from newsqa.assistant.chain import NewsAssistant
    from newsqa.index.embed import load_embedder

    settings = settings or Settings()
    articles = articles or (60 if quick else 300)
    questions = questions or (20 if quick else 60)
    sizes = sizes or (QUICK_SIZES if quick else FULL_SIZES)
    scratch = Path(tempfile.mkdtemp(prefix="newsqa-bench-"))
    result: dict = {"machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
                    "settings": {"embedding_model": settings.embedding_model,
                                 "threads": settings.threads, "quick": quick}}
    try:
        sample = build_sample(scratch, articles, questions,
                              spare_articles=ADDED_PER_SIZE * len(sizes))
        log(f"Sample: {len(sample.records)} articles, {len(sample.questions)} questions")
        result["sample"] = {"articles": len(sample.records), "questions": len(sample.questions)}
        embedder = load_embedder(settings.embedding_model, batch_size=settings.embedding_batch_size,
                                 threads=settings.threads)
        index_settings = settings.model_copy(update={"data_dir": scratch / "newsqa"})

        ingest, texts = measure_newsqa_ingest(sample, index_settings, embedder)
        log(f"newsqa ingest: {ingest}")
        ceiling = tutorial = tutorial_store = None
        if compare:
            ceiling = measure_ceiling(embedder, texts)
            log(f"ceiling (raw encode): {ceiling}")
            ingest["overhead_vs_raw_encode_pct"] = round(
                100 * (ingest["seconds"] / ceiling["seconds"] - 1), 1)
            tutorial, tutorial_store = measure_tutorial(
                sample, tutorial_model(settings.embedding_model), scratch / "tutorial")
            log(f"tutorial pipeline: {tutorial}")

        assistant = NewsAssistant(index_settings, embedder=embedder)
        assistant.warm_up()
        ingest["answer_hit_at_5"] = hit_at_5(
            lambda q: [d.page_content for d in assistant.chain.invoke({"question": q})
                                   .reranked.documents], sample.questions)
        if compare:
            tutorial["answer_hit_at_5"] = hit_at_5(
                lambda q: [d.page_content for d in tutorial_store.similarity_search(q, k=5)],
                sample.questions)
            log(f"answer-bearing passage @5: newsqa {ingest['answer_hit_at_5']}, "
                f"tutorial {tutorial['answer_hit_at_5']}")
        result.update(ceiling=ceiling, newsqa_ingest=ingest, tutorial=tutorial)
        del tutorial_store

        asked_stories = story_questions(assistant)
        starts: dict = {}
        result["cold_start"] = {
            "ask_s": cold_start_ask(index_settings.data_dir, sample.questions[0].question),
            "app_s": cold_start_app(index_settings.data_dir, sample.questions[0].question,
                                    memory=starts)}
        result["cold_start"].update(page_s=starts.get("page_s"), ready_s=starts.get("ready_s"))
        log(f"cold start: {result['cold_start']}")

        by_size = {}
        for number, size in enumerate(sizes):
            started = time.perf_counter()
            added = grow_store(assistant.store, size)
            grown = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            assistant.keyword.ensure_current(assistant.store)  # the filler, by change number
            synced = round(time.perf_counter() - started, 1)
            assistant = NewsAssistant(index_settings, embedder=embedder, store=assistant.store,
                                      cross_encoder=assistant.cross_encoder)
            numbers = measure_latency(assistant, sample.questions)
            numbers.update(measure_story_latency(assistant, asked_stories))
            numbers.update(passages=assistant.store.count(), keyword_passages=assistant.keyword.count(),
                           filler_added=added,
                           grow_s=grown, keyword_sync_s=synced)
            numbers["rss_mb"] = current_rss_mb()  # then the peak, which includes it
            numbers["peak_rss_mb"] = max(peak_rss_mb(), numbers["rss_mb"] or 0)
            spare = sample.spare[number * ADDED_PER_SIZE:(number + 1) * ADDED_PER_SIZE]
            if spare:
                numbers.update(measure_add(spare, index_settings, embedder, scratch))
            numbers["disk_mb"] = folder_mb(index_settings.data_dir)
            if cold_starts:
                numbers["cold_start_ask_s"] = cold_start_ask(index_settings.data_dir,
                                                             sample.questions[0].question)
                numbers["cold_start_app_s"] = cold_start_app(index_settings.data_dir,
                                                             sample.questions[0].question,
                                                             memory=numbers)
            by_size[str(size)] = numbers
            log(f"{size:>7} passages: {numbers}")
        result["by_size"] = by_size
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    big = result.get("by_size", {}).get("100000", {})
    tutorial = result.get("tutorial") or {}
    result["headline"] = {
        "ingest_speedup_vs_tutorial": round(result["newsqa_ingest"]["articles_per_s"]
                                            / tutorial["articles_per_s"], 2) if tutorial else None,
        "overhead_vs_raw_encode": result["newsqa_ingest"].get("overhead_vs_raw_encode_pct"),
        "answer_hit_at_5_newsqa": result["newsqa_ingest"]["answer_hit_at_5"],
        "answer_hit_at_5_tutorial": tutorial.get("answer_hit_at_5"),
        "answer_p50_ms_100k": big.get("total_p50_ms"),
        "answer_p95_ms_100k": big.get("total_p95_ms"),
        "story_answer_p50_ms_100k": big.get("story_total_p50_ms"),
        "retrieve_p50_ms_100k": big.get("retrieve_p50_ms"),
        "rss_mb_100k": big.get("rss_mb"),
        "serving_rss_mb_100k": big.get("serving_rss_mb"),
        "peak_rss_mb_process": big.get("peak_rss_mb"),
        "cold_start_s": result["cold_start"]["app_s"],
        "cold_start_page_s": result["cold_start"].get("page_s"),
        "cold_start_ask_s": result["cold_start"]["ask_s"],
    }
    million = result.get("by_size", {}).get("1000000")
    if million:
        result["headline"].update({
            "answer_p50_ms_1m": million.get("total_p50_ms"),
            "retrieve_p50_ms_1m": million.get("retrieve_p50_ms"),
            "rss_mb_1m": million.get("rss_mb"),
            "serving_rss_mb_1m": million.get("serving_rss_mb"),
            "cold_start_s_1m": million.get("cold_start_app_s"),
            "add_10_articles_s_1m": million.get("add_s"),
            "add_10_keyword_s_1m": million.get("add_keyword_s"),
        })
    if out is not None and result.get("by_size"):
        from newsqa.eval.plots import scaling_curve

        out.mkdir(parents=True, exist_ok=True)
        (out / "bench.json").write_text(dumps(result))
        result["plot"] = str(scaling_curve(result["by_size"], out / "scaling.png"))
    return result


def dumps(result: dict) -> str:
    return json.dumps({**result["headline"], **result}, indent=2)
