"""`newsqa eval`: run a test set through the assistant and write a scored report.

`run_eval_command()` does the work (usable from Python and tests); `register(app)` adds
the `eval` command to the main typer app in `newsqa/cli.py`. Heavy imports (models,
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
                     use_dates: bool = True, console: Console | None = None, stdout: Console | None = None) -> dict:
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
    console = console or Console(stderr=True)
    settings = Settings(**({"data_dir": data_dir} if data_dir is not None else {}))
    evalset = resolve(testset, corpus)
    started_at = time.strftime("%Y-%m-%dT%H:%M:%S")
    run = run_eval(evalset, settings, limit=limit, console=console, use_dates=use_dates)
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
    testset: Annotated[str, typer.Option("--testset", "-t", help="seed, realtimeqa-smoke, realtimeqa-dev, multihop-smoke, multihop-dev, or a JSONL test-set path.")],
    limit: Annotated[Optional[int], typer.Option("--limit", help="Only the first N questions.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default <data_dir>/eval-runs/<testset>-<timestamp>).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    data_dir: Annotated[Optional[Path], typer.Option("--data-dir", help="Data folder holding eval-cache/ and eval-runs/ (default ./data, env NEWSQA_DATA_DIR).")] = None,
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="Articles for a test-set file (default: the repo's samples/).")] = None,
    check_floors: Annotated[bool, typer.Option("--check-floors", help="Exit 1 when a metric is outside eval/floors.toml.")] = False,
    ignore_dates: Annotated[bool, typer.Option("--ignore-dates", help="Ask without each question's as-of date (an ablation: shows what the date filter is worth).")] = False,
) -> None:
    """Score the assistant on a test set: accuracy, retrieval, citations, honesty, latency."""
    run_eval_command(testset, limit=limit, out=out, as_json=as_json, data_dir=data_dir,
                     corpus=corpus, check_floors=check_floors, use_dates=not ignore_dates)


def register(app: typer.Typer) -> None:
    """Add `newsqa eval` to the main CLI."""
    app.command("eval")(eval_command)
    app.command("calibrate")(calibrate_command)


def calibrate_command(
    results: Annotated[Path, typer.Argument(help="results.jsonl of an eval run made with "
                                                 "NEWSQA_MIN_CONFIDENCE=0.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Fit the answer-confidence weights and the CRAG-best decline threshold from a run."""
    from newsqa.eval.calibrate import calibrate

    if not results.is_file():
        Console(stderr=True).print(f"[red]error:[/red] {results}: no such file; give the "
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
    for threshold, crag, answered in found.curve:
        console.print(f"  {threshold:.2f}  CRAG {crag:+.3f}  answered {answered:.2f}")
