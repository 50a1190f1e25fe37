"""Keyword engines side by side on real passages: build time, query latency, a small add.

The one-off measurement behind the choice of tantivy for `index/keyword.py` (docs/scaling.md):
tantivy against SQLite FTS5 with its `bm25()` ranking, both fed the same pre-tokenised text
(bm25s's tokenizer, English stopwords, Snowball stemmer) of an existing index's passages,
recombined into `--passages` documents as the bench's filler is, and queried with RealTime
QA dev questions, unfiltered and with an as-of date.

    python -m newsqa.eval.bench.keyword_engines --data-dir data/eval-cache/<key> --passages 300000
"""

import argparse
import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def _percentiles(values: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(float(np.percentile(values, 95)), 2)}


def main() -> None:
    import tantivy

    from newsqa.eval.realtimeqa import load_questions
    from newsqa.eval.registry import shared_folder
    from newsqa.index.keyword import tokenize
    from newsqa.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="an index to take passages from")
    parser.add_argument("--passages", type=int, default=300_000)
    parser.add_argument("--questions", type=int, default=40)
    args = parser.parse_args()

    settings = Settings(data_dir=args.data_dir)
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(str(args.data_dir / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_collection(settings.collection)
    base = []
    for offset in range(0, collection.count(), 2000):
        got = collection.get(limit=2000, offset=offset, include=["documents", "metadatas"])
        base += [(m.get("title", ""), d, int(m.get("published_day") or 0), m.get("source_key") or "")
                 for d, m in zip(got["documents"], got["metadatas"])]

    def document(i: int):
        a, b = base[i % len(base)], base[(i * 7919) % len(base)]
        if i < len(base):
            return a
        first, second = a[1].split(". "), b[1].split(". ")
        return (a[0], ". ".join(first[: len(first) // 2] + second[len(second) // 2:]), a[2], a[3])

    questions = load_questions(shared_folder("realtimeqa-dev"))[: args.questions]
    terms = [sorted(set(t)) for t in tokenize([q.question for q in questions])]
    as_of = [int(q.as_of.strftime("%Y%m%d")) if q.as_of else 0 for q in questions]
    result = {"passages": args.passages, "base_passages": len(base)}
    scratch = Path(tempfile.mkdtemp(prefix="newsqa-engines-"))
    batch = 20_000
    try:
        # tantivy, with the schema of index/keyword.py
        from newsqa.index.keyword import _schema

        schema = _schema()
        index = tantivy.Index(schema, str(scratch / "tantivy"))
        started = time.perf_counter()
        writer = index.writer(256_000_000, 1)
        for s in range(0, args.passages, batch):
            docs = [document(i) for i in range(s, min(args.passages, s + batch))]
            for j, (d, tokens) in enumerate(zip(docs, tokenize([f"{d[0]}\n{d[1]}" for d in docs]))):
                writer.add_document(tantivy.Document(id=f"p{s + j}", body=" ".join(tokens),
                                                     day=d[2], source=d[3]))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        build = time.perf_counter() - started
        Occur, Query = tantivy.Occur, tantivy.Query

        def tantivy_query(words, day):
            query = Query.boolean_query([(Occur.Should, Query.term_query(schema, "body", w))
                                         for w in words])
            if day:
                query = Query.boolean_query([(Occur.Must, query), (Occur.Must, Query.range_query(
                    schema, "day", tantivy.FieldType.Integer, 1, day))])
            searcher = index.searcher()
            return [searcher.doc(a)["id"][0] for _, a in searcher.search(query, 30).hits]

        timings = {"plain": [], "as_of": []}
        for words, day in zip(terms, as_of):
            for kind, bound in (("plain", 0), ("as_of", day)):
                t = time.perf_counter()
                tantivy_query(words, bound)
                timings[kind].append(1000 * (time.perf_counter() - t))
        started = time.perf_counter()
        writer = index.writer(64_000_000, 1)
        for j, tokens in enumerate(tokenize([document(i)[1] for i in range(80)])):
            writer.delete_documents_by_term("id", f"new{j}")
            writer.add_document(tantivy.Document(id=f"new{j}", body=" ".join(tokens), day=1, source="x"))
        writer.commit()
        writer.wait_merging_threads()
        add = time.perf_counter() - started
        result["tantivy"] = {"build_s": round(build, 1), "query": _percentiles(timings["plain"]),
                             "query_as_of": _percentiles(timings["as_of"]),
                             "add_80_passages_ms": round(1000 * add, 1),
                             "disk_mb": round(sum(p.stat().st_size for p in (scratch / "tantivy").rglob("*")) / 1e6, 1)}
        print(json.dumps({"tantivy": result["tantivy"]}), flush=True)

        # SQLite FTS5 (standard library), bm25() ranking, metadata in a side table
        connection = sqlite3.connect(scratch / "fts.db")
        connection.execute("CREATE VIRTUAL TABLE p USING fts5(body, tokenize='unicode61')")
        connection.execute("CREATE TABLE m(rowid INTEGER PRIMARY KEY, pid TEXT UNIQUE, day INT, source TEXT)")
        connection.execute("CREATE INDEX m_day ON m(day)")
        started = time.perf_counter()
        for s in range(0, args.passages, batch):
            docs = [document(i) for i in range(s, min(args.passages, s + batch))]
            tokens = tokenize([f"{d[0]}\n{d[1]}" for d in docs])
            connection.executemany("INSERT INTO m VALUES (?,?,?,?)",
                                   [(s + j + 1, f"p{s + j}", d[2], d[3]) for j, d in enumerate(docs)])
            connection.executemany("INSERT INTO p(rowid, body) VALUES (?,?)",
                                   [(s + j + 1, " ".join(t)) for j, t in enumerate(tokens)])
        connection.commit()
        build = time.perf_counter() - started
        timings = {"plain": [], "as_of": []}
        for words, day in zip(terms, as_of):
            match = " OR ".join(f'"{w}"' for w in words)
            t = time.perf_counter()
            connection.execute("SELECT rowid, bm25(p) r FROM p WHERE p MATCH ? ORDER BY r LIMIT 30",
                               (match,)).fetchall()
            timings["plain"].append(1000 * (time.perf_counter() - t))
            t = time.perf_counter()
            connection.execute("SELECT m.pid, bm25(p) r FROM p JOIN m ON m.rowid = p.rowid WHERE p "
                               "MATCH ? AND m.day BETWEEN 1 AND ? ORDER BY r LIMIT 30",
                               (match, day or 99999999)).fetchall()
            timings["as_of"].append(1000 * (time.perf_counter() - t))
        result["fts5"] = {"build_s": round(build, 1), "query": _percentiles(timings["plain"]),
                          "query_as_of": _percentiles(timings["as_of"]),
                          "disk_mb": round((scratch / "fts.db").stat().st_size / 1e6, 1)}
        connection.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
