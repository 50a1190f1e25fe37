"""`newsqa eval`: run a test set through the assistant and write a scored report.

`run_eval_command()` does the work (usable from Python and tests); `register(app)` adds
the `eval` command to the main typer app in `newsqa/cli/commands.py`. Heavy imports (models,
matplotlib) wait until the command runs, so `newsqa --help` stays fast.
"""

import json
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from newsqa.errors import NewsqaError
from newsqa.settings import Settings


def default_out(settings: Settings, testset_name: str, stamp: str) -> Path:
    return Path(settings.data_dir).resolve() / "eval-runs" / f"{testset_name}-{stamp}"


def run_eval_command(testset: str, limit: int | None = None, out: Path | None = None,
                     as_json: bool = False, data_dir: Path | None = None,
                     corpus: Path | None = None, check_floors: bool = False,
                     use_dates: bool = True, console: Console | None = None, stdout: Console | None = None,
                     llm: str | None = None, sample: int | None = None,
                     also: str | None = None) -> dict:
    """Evaluate `testset`, write results/summary/report into `out`, return the summary.

    Progress goes to `console` (stderr), the overview table to `stdout`; `as_json` prints
    the summary object instead of the table.
    """
    from newsqa.eval.floors import load_floors, violations
    from newsqa.eval.registry import resolve
    from newsqa.eval.report import write_outputs
    from newsqa.eval.runner import run_eval
    from newsqa.eval.summary import build_summary

    if limit is not None and limit < 1:
        raise NewsqaError("--limit must be a positive number of questions.")
    if sample is not None and sample < 1:
        raise NewsqaError("--sample must be a positive number of questions.")
    console = console or Console(stderr=True)
    overrides = {"data_dir": data_dir, "llm": llm}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    evalset = resolve(testset, corpus, also=also)
    started_at = time.strftime("%Y-%m-%dT%H:%M:%S")
    run = run_eval(evalset, settings, limit=limit, console=console, use_dates=use_dates,
                   sample=sample)
    summary = build_summary(run, started_at)
    folder = Path(out) if out else default_out(settings, evalset.name,
                                               started_at.replace(":", "").replace("-", ""))
    paths = write_outputs(summary, run.results, folder)
    summary["outputs"] = {name: str(path) for name, path in paths.items()}

    problems: list[str] = []
    if check_floors:
        floors = load_floors().get(evalset.name)
        if floors is None:
            raise NewsqaError(f"No floors for test set '{evalset.name}' in eval/floors.toml.")
        problems = violations(summary["metrics"], floors)
        summary["floor_violations"] = problems

    if as_json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _print_overview(summary, stdout or Console())
    if problems:
        console.print("[red]Below the floors:[/red] " + "; ".join(problems), highlight=False)
        raise typer.Exit(1)
    return summary


def _print_overview(summary: dict, console: Console) -> None:
    from rich.table import Table

    from newsqa.eval.report import OVERVIEW, fmt

    metrics = summary["metrics"]
    table = Table(title=f"newsqa eval: {summary['testset']}", show_lines=False)
    table.add_column("group")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for group, names in OVERVIEW:
        for name in names:
            if metrics.get(name) is not None:
                table.add_row(group, name, fmt(metrics[name]))
    console.print(table)
    console.print(f"Report: {summary['outputs']['report']}", highlight=False)


def eval_command(
    testset: Annotated[str, typer.Option("--testset", "-t", help="seed, realtimeqa-smoke, realtimeqa-dev, realtimeqa-when, multihop-smoke, multihop-dev, or a JSONL test-set path.")],
    limit: Annotated[Optional[int], typer.Option("--limit", help="Only the first N questions.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default <data_dir>/eval-runs/<testset>-<timestamp>).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    data_dir: Annotated[Optional[Path], typer.Option("--data-dir", help="Data folder holding eval-cache/ and eval-runs/ (default ./data, env NEWSQA_DATA_DIR).")] = None,
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="Articles for a test-set file (default: the repo's samples/).")] = None,
    check_floors: Annotated[bool, typer.Option("--check-floors", help="Exit 1 when a metric is outside eval/floors.toml.")] = False,
    ignore_dates: Annotated[bool, typer.Option("--ignore-dates", help="Ask without each question's as-of date (an ablation: shows what the date filter is worth).")] = False,
    sample: Annotated[Optional[int], typer.Option("--sample", help="N questions spread evenly over the set (the same N on every run).")] = None,
    llm: Annotated[Optional[list[str]], typer.Option("--llm", help="Answer with this model (none, llamacpp:PATH.gguf, openai:MODEL, ...). Repeat to compare several side by side.")] = None,
    also: Annotated[Optional[str], typer.Option("--also", help="Index a shared set's documents beside the test set's corpus (an invariance check: e.g. -t seed --also realtimeqa-dev --ignore-dates).")] = None,
) -> None:
    """Score the assistant on a test set: accuracy, retrieval, citations, honesty, latency."""
    specs = llm or [None]
    summaries = []
    for spec in specs:
        folder = out / _slug(spec) if out and len(specs) > 1 else out
        summaries.append(run_eval_command(
            testset, limit=limit, out=folder, as_json=as_json and len(specs) == 1,
            data_dir=data_dir, corpus=corpus, check_floors=check_floors,
            use_dates=not ignore_dates, llm=spec, sample=sample, also=also,
            stdout=Console(quiet=True) if len(specs) > 1 else None))
    if len(specs) > 1:
        if as_json:
            print(json.dumps({_slug(s): summary for s, summary in zip(specs, summaries)},
                             indent=2, ensure_ascii=False))
        else:
            _print_comparison(specs, summaries, Console())


def _slug(spec: str | None) -> str:
    import re

    from newsqa.assistant.llm import parse_spec

    return re.sub(r"[^\w.-]+", "_", parse_spec(spec).label).strip("_")


COMPARED = [("accuracy_answerable", "accuracy (answerable)"), ("accuracy", "accuracy (all)"),
            ("citation_precision", "citation precision"),
            ("decline_rate_unanswerable", "declined (unanswerable)"),
            ("wrong_answer_rate", "wrong rate"), ("crag_score", "CRAG"),
            ("llm_generated_rate", "model answer used"), ("llm_partial_rate", "trimmed"),
            ("llm_fallback_rate", "fell back to quotes"),
            ("llm_model_declined_rate", "model declined"),
            ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms"),
            ("first_token_p50_ms", "first token p50 ms")]


def _print_comparison(specs: list, summaries: list[dict], console: Console) -> None:
    from rich.table import Table

    from newsqa.eval.report import fmt

    table = Table(title=f"newsqa eval: {summaries[0]['testset']}, answerers side by side")
    table.add_column("metric")
    for spec in specs:
        table.add_column(_slug(spec), justify="right")
    for key, label in COMPARED:
        values = [s["metrics"].get(key) for s in summaries]
        if any(v is not None for v in values):
            table.add_row(label, *(fmt(v) if v is not None else "–" for v in values))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `newsqa eval` to the main CLI."""
    app.command("eval")(eval_command)
    app.command("calibrate")(calibrate_command)
    app.command("verify-bench")(verify_bench_command)
    app.command("bench")(bench_command)
    app.command("bench-feeds")(bench_feeds_command)
    app.command("calibrate-support")(calibrate_support_command)
    app.command("loadtest")(loadtest_command)
    app.command("record")(record_command)
    app.command("calibrate-short")(calibrate_short_command)
    app.command("record-sentences")(record_sentences_command)
    app.command("calibrate-shortlist")(calibrate_shortlist_command)
    app.command("shortlist-orders")(shortlist_orders_command)
    app.command("storyset")(storyset_command)


def storyset_command(
    index: Annotated[Optional[Path], typer.Option("--index", help="A built realtimeqa-dev eval index (default: the one `newsqa eval -t realtimeqa-dev` made under the data folder).")] = None,
    join: Annotated[Optional[float], typer.Option("--join", help="join_similarity to measure (default: the product's).")] = None,
    names: Annotated[Optional[float], typer.Option("--names", help="named_similarity to measure (default: the product's).")] = None,
    window: Annotated[Optional[int], typer.Option("--window", help="window_days to measure (default: the product's).")] = None,
    fit: Annotated[bool, typer.Option("--fit", help="Grid-search the thresholds on each half of the labelled stories and check them on the other.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Score story grouping against the hand-labelled RealTime QA DEV stories: pairwise
    precision and recall per half and on both, split and merged stories."""
    from rich.table import Table

    from newsqa.eval.storyfit import Setting
    from newsqa.eval.storyreport import fit as fit_grid
    from newsqa.eval.storyreport import measure, skip_reason
    from newsqa.index import stories

    folder, reason = skip_reason(index, Settings())
    if folder is None:
        Console(stderr=True).print(f"storyset skipped: {reason}", highlight=False)
        return
    current = Setting(join if join is not None else stories.JOIN_SIMILARITY,
                      names if names is not None else stories.NAMED_SIMILARITY,
                      window if window is not None else stories.WINDOW_DAYS)
    result = fit_grid(folder, current) if fit else measure(folder, current)
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    console = Console()
    table = Table(title=f"{result['stories']} labelled stories, {folder}")
    for column in ("setting", "half", "articles", "gold pairs", "predicted pairs",
                   "precision", "recall"):
        table.add_column(column, justify="left" if column in ("setting", "half") else "right")
    for row in result["rows"]:
        table.add_row(row["setting"], row["half"], str(row["articles"]), str(row["gold_pairs"]),
                      str(row["predicted_pairs"]),
                      *("–" if row[k] is None else f"{row[k]:.3f}" for k in ("precision", "recall")))
    console.print(table)
    for split in result.get("split", []):
        console.print(f"  split: {split['name']} ({split['articles']} articles) in "
                      f"{split['pieces']} stories", highlight=False)
    for merge in result.get("merged", []):
        console.print(f"  merged in {merge['story_id']}: " + "; ".join(merge["labelled"]),
                      highlight=False)


def bench_feeds_command(
    feeds: Annotated[int, typer.Option("--feeds", help="Followed feeds, served on 127.0.0.1.")] = 50,
    entries: Annotated[int, typer.Option("--entries", help="Entries per feed.")] = 10,
    changed: Annotated[int, typer.Option("--changed", help="Feeds that gain an entry for the third cycle.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Poll many local feeds as `newsqa serve` does: first, unchanged (304) and changed
    cycles, connections at once, CPU, and questions answered during the polls."""
    from newsqa.eval.bench.feeds import run_feed_bench

    console = Console(stderr=True)
    result = run_feed_bench(feeds, entries, changed,
                            log=lambda line: console.print(line, highlight=False))
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        Console().print(result)


def record_command(
    testset: Annotated[str, typer.Option("--testset", "-t", help="seed, realtimeqa-smoke, realtimeqa-dev, realtimeqa-when, multihop-smoke, multihop-dev or a JSONL file.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the recording (a pickle; it holds test-set text: keep it out of the repo).")],
    no_dates: Annotated[bool, typer.Option("--no-dates", help="Ignore the questions' as-of dates.")] = False,
    limit: Annotated[Optional[int], typer.Option("--limit", help="Only the first N questions.")] = None,
    also: Annotated[Optional[str], typer.Option("--also", help="Index a shared set's documents beside the test set's corpus.")] = None,
) -> None:
    """Record the evidence the answer step sees for every question (for calibrate-short)."""
    from newsqa.eval.registry import resolve
    from newsqa.eval.replay import record

    path = record(resolve(testset, also=also), Settings(), out, use_dates=not no_dates,
                  limit=limit)
    Console().print(f"recorded {testset} -> {path}", highlight=False)


def held_out_ids(hold_out: list[str] | None, console: Console) -> set[str]:
    """Ids of the questions no fit may see (default: the smoke sets the CI gate measures)."""
    from newsqa.eval.registry import EvalDataMissingError, resolve

    excluded: set[str] = set()
    for name in hold_out if hold_out is not None else ["realtimeqa-smoke", "multihop-smoke"]:
        try:
            excluded |= {q.id for q in resolve(name).questions}
        except EvalDataMissingError:
            console.print(f"  {name}: not found, nothing held out for it", highlight=False)
    return excluded


def calibrate_short_command(
    recordings: Annotated[list[Path], typer.Argument(help="Recordings of several test sets (`newsqa record`).")],
    precision: Annotated[float, typer.Option("--precision", help="Exact match the shown short answers must reach (cross-validated) on every set.")] = 0.8,
    hold_out: Annotated[Optional[list[str]], typer.Option("--hold-out", help="Test sets whose questions never enter a fit (default: the smoke sets the CI gate measures).")] = None,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds, by question.")] = 5,
) -> None:
    """Fit the short-answer model on all recordings together (held-out sets left out), pick
    the threshold for the precision asked, and report each set cross-validated by question."""
    from newsqa.eval.replay import load
    from newsqa.eval.shortfit import (cross_validated_models, fit_models, scored_questions,
                                      summarise, threshold_for)

    console = Console()
    excluded = held_out_ids(hold_out, console)
    sets = [scored_questions(load(p), frozenset(excluded)) for p in recordings]
    predictions = cross_validated_models(sets, folds=folds)
    threshold = threshold_for(predictions, precision)
    for model, weights in fit_models(sets).items():
        console.print(f"weights ({model} questions): "
                      + ", ".join(f'"{k}": {v:.3f}' for k, v in weights.items()), highlight=False)
    console.print(f"held out: {len(excluded)} questions; threshold for precision {precision}: "
                  f"{threshold if threshold is not None else 'none reaches it'}", highlight=False)
    for path, questions, predicted in zip(recordings, sets, predictions):
        for label, t in (("at threshold", threshold), ("shown at 0.1", 0.1)):
            if t is None:
                continue
            found = summarise(path.stem, questions, predicted, t)
            def show(value):
                return "-" if value is None else f"{value:.3f}"
            console.print(f"  {found.name} ({label} {t:.3f}, {folds}-fold by question): "
                          f"{found.questions} span questions, gold among the candidates "
                          f"{found.ceiling:.3f}, shown {found.shown:.3f}, precision EM "
                          f"{show(found.precision)} / F1>=0.5 {show(found.precision_f1)}, EM "
                          f"{found.exact_match:.3f}, F1 {found.f1:.3f}", highlight=False)


def record_sentences_command(
    testset: Annotated[str, typer.Option("--testset", "-t", help="seed, realtimeqa-smoke, realtimeqa-dev, realtimeqa-when, multihop-smoke, multihop-dev or a JSONL file.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the recording (a pickle; it holds test-set text: keep it out of the repo).")],
    limit: Annotated[Optional[int], typer.Option("--limit", help="Only the first N questions.")] = None,
) -> None:
    """Record every candidate sentence's cross-encoder score (for calibrate-shortlist)."""
    from newsqa.eval.registry import resolve
    from newsqa.eval.shortlistfit import record_sentences

    path = record_sentences(resolve(testset), Settings(), out, limit=limit)
    Console().print(f"recorded {testset} -> {path}", highlight=False)


def calibrate_shortlist_command(
    recordings: Annotated[list[str], typer.Argument(help="PATH:TESTSET pairs, one per `newsqa record-sentences` recording.")],
    pairs: Annotated[int, typer.Option("--pairs", help="Shortlist size to report (NEWSQA_RERANK_MAX_PAIRS).")] = 8,
    hold_out: Annotated[Optional[list[str]], typer.Option("--hold-out", help="Test sets whose questions never enter a fit (default: the smoke sets the CI gate measures).")] = None,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds, by question.")] = 5,
) -> None:
    """Fit the sentence-shortlist weights on all recordings together (held-out sets left
    out) and replay the answer step on each set: every sentence, the shipped weights at 24
    and at --pairs, and the fitted weights at --pairs, cross-validated by question."""
    from newsqa.assistant.chain import make_answerer
    from newsqa.assistant.rerank import CrossEncoder
    from newsqa.eval.registry import resolve
    from newsqa.eval.shortlistfit import (REPORTED, best_found, cross_validated, fit,
                                          load_pools, replayed, shipped)

    console = Console(width=240)
    settings = Settings()
    excluded = held_out_ids(hold_out, console)
    sets = []
    for spec in recordings:
        path, _, name = spec.rpartition(":")
        if not path:
            raise typer.BadParameter(f"{spec!r}: give PATH:TESTSET, e.g. runs/rt.pkl:realtimeqa-dev")
        sets.append((name, load_pools(Path(path), resolve(name).questions)))
    weights = fit([rows for _, rows in sets], limit=pairs, exclude=frozenset(excluded))
    console.print("weights: " + ", ".join(f'"{k}": {v:.3f}' for k, v in weights.items()),
                  highlight=False)
    folded = cross_validated([rows for _, rows in sets], limit=pairs, exclude=frozenset(excluded),
                             folds=folds)
    answerer = make_answerer(settings, CrossEncoder(settings.reranker_model,
                                                    threads=settings.threads))
    variants = (("every sentence", shipped, 0), ("shipped", shipped, 24),
                ("shipped", shipped, pairs), (f"fitted, {folds}-fold by question", folded, pairs))
    for name, rows in sets:
        for label, weights_for, limit in variants:
            found = replayed(rows, weights_for, limit, answerer, settings.top_k)
            hit = best_found(rows, weights_for, limit) if limit else 1.0
            console.print(f"  {name} {label} ({found['pairs_per_question']:.1f} pairs): best "
                          f"sentence kept {hit:.3f}, " + ", ".join(
                              f"{key} {found[key]:.3f}" for key in REPORTED
                              if found.get(key) is not None), highlight=False)


def shortlist_orders_command(
    recordings: Annotated[list[str], typer.Argument(help="PATH:TESTSET pairs, one per `newsqa record-sentences` recording.")],
    pairs: Annotated[Optional[list[int]], typer.Option("--pairs", help="Shortlist sizes to report (repeatable).")] = None,
) -> None:
    """How often the keyword order, sentence vectors, or both keep the cross-encoder's best
    sentence in a shortlist (eval/sentenceorders.py)."""
    from newsqa.eval.registry import resolve
    from newsqa.eval.sentenceorders import ORDERS, SpanEncoder, kept, similarities
    from newsqa.eval.shortlistfit import load_pools
    from newsqa.index.embed import load_embedder

    console = Console(width=240)
    settings = Settings()
    embedder = load_embedder(settings.embedding_model, batch_size=settings.embedding_batch_size,
                             threads=settings.threads)
    spans = SpanEncoder(settings.embedding_model, max_length=embedder.max_tokens)
    for spec in recordings:
        path, _, name = spec.rpartition(":")
        if not path:
            raise typer.BadParameter(f"{spec!r}: give PATH:TESTSET, e.g. runs/rt.pkl:realtimeqa-dev")
        rows = [row for row in load_pools(Path(path), resolve(name).questions) if row.scores]
        found = [similarities(row, embedder, spans) for row in rows]
        console.print(f"{name}: {len(rows)} questions, "
                      f"{sum(len(r.scores) for r in rows) / max(1, len(rows)):.1f} sentences each "
                      "(best kept / near best kept)", highlight=False)
        for limit in pairs or [8, 12, 16, 24]:
            console.print(f"  {limit} sentences: " + "; ".join(
                f"{order} {best:.3f} / {near:.3f}"
                for order in ORDERS for best, near in [kept(rows, found, order, limit)]),
                highlight=False)


def loadtest_command(
    url: Annotated[Optional[str], typer.Option("--url", help="A running newsqa app, e.g. http://127.0.0.1:7860/. Without it the app is started on a free 127.0.0.1 port over a fresh index of the sample articles, with this environment's NEWSQA_* settings.")] = None,
    sessions: Annotated[int, typer.Option("--sessions", help="Chat sessions asking at the same time.")] = 20,
    seconds: Annotated[float, typer.Option("--seconds", help="How long each session keeps asking.")] = 60,
    question: Annotated[Optional[list[str]], typer.Option("--question", help="Ask this instead of the sample-article questions (repeatable; answers are then not checked).")] = None,
    auth: Annotated[Optional[str], typer.Option("--auth", help="Login for an app behind a password: user:password or a file of such lines (the first is used).")] = None,
    llm: Annotated[Optional[str], typer.Option("--llm", help="Model for the app started here (see newsqa serve --llm).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="JSON report path (default <data_dir>/loadtest-runs/<timestamp>.json).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report (without per-request records) as JSON.")] = False,
    route: Annotated[str, typer.Option("--route", help="What the sessions call: page (the /chat event, via gradio_client), api (POST /api/ask) or openai (POST /v1/chat/completions).")] = "page",
) -> None:
    """Many chat sessions at once against the web app: latency, answers/s, errors.

    Exits 1 when any request failed or any checked answer was wrong.
    """
    from contextlib import nullcontext

    from newsqa.auth import parse_auth
    from newsqa.eval.bench.load import run_loadtest, started_app, write_report
    from newsqa.gate import queue_limits

    console = Console(stderr=True)
    def log(line: str) -> None:
        console.print(line, highlight=False)

    settings = Settings()
    logins = parse_auth(auth) if auth else None
    login = tuple(logins[0][:2]) if logins else None  # (user, password)
    with (nullcontext(url) if url else started_app(llm=llm, log=log)) as target:
        report = run_loadtest(target, sessions=sessions, seconds=seconds, questions=question,
                              auth=login, route=route, log=log)
    if not url:
        concurrency, max_queue = queue_limits(settings if not llm else Settings(llm=llm))
        report["server"] = {"started_here": True, "ui_concurrency": concurrency,
                            "max_queue": max_queue}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = write_report(report, out or Path(settings.data_dir) / "loadtest-runs" / f"{stamp}.json")
    if as_json:
        print(json.dumps({k: v for k, v in report.items() if k != "records"}, indent=2,
                         ensure_ascii=False))
    else:
        _print_loadtest(report, Console())
    console.print(f"Report: {path}", highlight=False)
    if report["errors"] or report["wrong_answers"]:
        raise typer.Exit(1)


def _print_loadtest(report: dict, console: Console) -> None:
    from rich.table import Table

    latency = report["latency_ms"]
    table = Table(title=f"newsqa loadtest: {report['sessions']} sessions for "
                        f"{report['seconds']:g} s against {report['url']} "
                        f"({report.get('route', 'page')})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    server = report.get("server")
    if server:
        table.add_row("server queue", f"{server['ui_concurrency']} at once, "
                                      f"{server['max_queue']} may wait")
    table.add_row("requests", str(report["requests"]))
    table.add_row("answers/s", str(report["throughput_answers_per_s"]))
    table.add_row("latency p50 / p95 / max",
                  " / ".join("–" if latency[k] is None else f"{latency[k]:,.0f} ms"
                             for k in ("p50", "p95", "max")))
    table.add_row("errors", str(report["errors"]))
    table.add_row("wrong answers", str(report["wrong_answers"]) if report["answers_checked"]
                  else "not checked")
    table.add_row("load generator CPU (same box?)",
                  f"{report['load_generator_cpu_s']} s in {report['wall_s']} s")
    console.print(table)
    for error in report["first_errors"]:
        console.print(f"[red]error:[/red] {error}", highlight=False)
    for wrong in report["first_wrong"]:
        console.print(f"[yellow]wrong:[/yellow] {wrong['question']} → {wrong['answer'][:200]}",
                      highlight=False)


def calibrate_support_command(
    llm_results: Annotated[Path, typer.Argument(help="results.jsonl of an `eval --llm` run made with a low NEWSQA_MIN_SUPPORT.")],
    extractive_results: Annotated[Path, typer.Argument(help="results.jsonl of the extractive run on the same questions.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """What each min_support threshold would have scored (replayed, no model calls)."""
    from rich.table import Table

    from newsqa.eval.support import calibrate_support

    rows = calibrate_support(llm_results, extractive_results)
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="min_support replay")
    for column in rows[0]:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    Console().print(table)


def bench_command(
    quick: Annotated[bool, typer.Option("--quick", help="60 articles, stores up to 10k passages (~3 min).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    articles: Annotated[Optional[int], typer.Option("--articles", help="Sample size in articles (default 300, quick 60).")] = None,
    questions: Annotated[Optional[int], typer.Option("--questions", help="Questions for quality and latency (default 60, quick 20).")] = None,
    sizes: Annotated[Optional[str], typer.Option("--sizes", help="Store sizes in passages, comma-separated (default 1000,10000,100000; 1000000 takes ~1 h).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Folder for bench.json and scaling.png (default <data_dir>/bench-runs/<time>).")] = None,
    cold_starts: Annotated[bool, typer.Option("--cold-starts/--no-cold-starts", help="Time a fresh `newsqa ask` and app at every size.")] = True,
    compare: Annotated[bool, typer.Option("--compare/--no-compare", help="Measure the raw-encode and LangChain-tutorial baselines (~8 min).")] = True,
) -> None:
    """Ingest and question speed against the LangChain tutorial pipeline, in one run."""
    from newsqa.eval.bench.run import dumps, run_bench

    console = Console(stderr=True)
    parsed = tuple(int(s) for s in sizes.split(",")) if sizes else None
    out = out or Settings().data_dir / "bench-runs" / time.strftime("%Y%m%d-%H%M%S")
    result = run_bench(quick=quick, articles=articles, questions=questions, sizes=parsed,
                       cold_starts=cold_starts, compare=compare, out=out,
                       log=lambda line: console.print(line, highlight=False))
    console.print(f"Report: {out / 'bench.json'}, {out / 'scaling.png'}", highlight=False)
    if as_json:
        print(dumps(result))
        return
    _print_bench(result, Console())


def _print_bench(result: dict, console: Console) -> None:
    from rich.table import Table

    table = Table(title="newsqa bench")
    table.add_column("measure")
    table.add_column("value", justify="right")
    ingest, tutorial, ceiling = result["newsqa_ingest"], result["tutorial"], result["ceiling"]
    rows = [("newsqa ingest", f"{ingest['articles_per_s']} articles/s, {ingest['chunks_per_s']} "
                              f"chunks/s, {ingest['tokens_per_s']} tokens/s")]
    if tutorial and ceiling:  # (--no-compare leaves the baselines out)
        rows += [
            ("raw encode (ceiling)", f"{ceiling['chunks_per_s']} chunks/s, {ceiling['tokens_per_s']} tokens/s"),
            ("overhead over raw encode", f"{ingest['overhead_vs_raw_encode_pct']} %"),
            ("tutorial pipeline", f"{tutorial['articles_per_s']} articles/s, {tutorial['chunks_per_s']} chunks/s"),
            ("ingest speed-up vs tutorial", f"{result['headline']['ingest_speedup_vs_tutorial']}×"),
            ("answer-bearing passage @5", f"newsqa {ingest['answer_hit_at_5']}, tutorial {tutorial['answer_hit_at_5']}"),
        ]
    rows.append(("cold start: ask / app", f"{result['cold_start']['ask_s']} s / {result['cold_start']['app_s']} s"))
    for size, n in result["by_size"].items():
        rows.append((f"{int(size):,} passages: answer p50/p95, retrieve p50, RSS, disk",
                     f"{n['total_p50_ms']}/{n['total_p95_ms']} ms, {n['retrieve_p50_ms']} ms, "
                     f"{n['rss_mb']} MB, {n['disk_mb']} MB"))
        if "add_s" in n:
            rows.append((f"{int(size):,} passages: add {n['add_articles']} articles (keyword part)",
                         f"{n['add_s']} s ({n['add_keyword_s']} s)"))
        if "cold_start_app_s" in n:
            rows.append((f"{int(size):,} passages: cold start ask / app",
                         f"{n['cold_start_ask_s']} s / {n['cold_start_app_s']} s"))
    for row in rows:
        table.add_row(*row)
    console.print(table)


def verify_bench_command(
    testset: Annotated[str, typer.Option("--testset", "-t", help="realtimeqa-dev, realtimeqa-smoke, seed, ...")],
    sample: Annotated[Optional[int], typer.Option("--sample", help="N questions spread evenly over the set.")] = None,
    data_dir: Annotated[Optional[Path], typer.Option("--data-dir", help="Data folder holding eval-cache/.")] = None,
    min_support: Annotated[Optional[float], typer.Option("--min-support", help="Support threshold to test (default: NEWSQA_MIN_SUPPORT).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """How often citation verification rejects role swaps, changed numbers, invented names."""
    from rich.table import Table

    from newsqa.eval.bench.verify import run_verify_bench

    overrides = {"data_dir": data_dir, "min_support": min_support}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    result = run_verify_bench(testset, sample, settings)
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"verification on {result['testset']} "
                        f"({result['questions_with_gold_sentence']} gold sentences, "
                        f"min_support {result['min_support']})")
    for column in ("claim", "n", "rejected"):
        table.add_column(column, justify="right" if column != "claim" else "left")
    for kind, rate in result["rates"].items():
        value = rate.get("false_rejection", rate.get("detected"))
        label = "faithful (false rejection)" if kind == "faithful" else kind
        table.add_row(label, str(rate["n"]), "–" if value is None else f"{value:.1%}")
    Console().print(table)


def calibrate_command(
    results: Annotated[list[Path], typer.Argument(help="results.jsonl of eval runs made with "
                                                       "NEWSQA_MIN_CONFIDENCE=0, one per test set.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Fit the answer-confidence weights and the CRAG-best decline threshold on one or more
    runs (fitted on all together; calibration reported per run)."""
    from newsqa.eval.calibrate import calibrate

    missing = [path for path in results if not path.is_file()]
    if missing:
        Console(stderr=True).print(f"[red]error:[/red] {missing[0]}: no such file; give the "
                                   "results.jsonl of a `newsqa eval` run")
        raise typer.Exit(2)
    try:
        found = calibrate(results)
    except ValueError as error:
        Console(stderr=True).print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(found.__dict__, indent=2))
        return
    console = Console()
    console.print("weights: " + ", ".join(f"{k}={v:.3f}" for k, v in found.weights.items()))
    console.print(f"best threshold {found.threshold:.2f}: CRAG {found.crag:+.3f} "
                  f"(answering everything: {found.crag_answer_all:+.3f})")
    for run, figures in found.per_set.items():
        ece = figures["ece"]
        console.print(f"  {run}: {figures['answered']} answered, ECE "
                      f"{'–' if ece is None else f'{ece:.3f}'}, CRAG at the threshold "
                      f"{figures['crag_at_threshold']:+.3f}", highlight=False)
    for threshold, crag, answered in found.curve:
        console.print(f"  {threshold:.2f}  CRAG {crag:+.3f}  answered {answered:.2f}")
