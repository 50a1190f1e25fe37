"""The feed commands: follow, unfollow, feeds, watch, pin, unpin, expire.

Wiring only, like commands.py: the work is in index/follow.py (checking and subscribing),
index/watch.py (polling and storing), index/retention.py (removing old articles).
"""

import time
from typing import Annotated, Optional

import typer

from newsqa.cli.common import DataDir, err, out, settings_from


def register(app: typer.Typer) -> None:

    @app.command()
    def follow(
        urls: Annotated[list[str], typer.Argument(help="Feed addresses, or pages of sites that announce a feed.", metavar="FEED_OR_URL", show_default=False)],
        every: Annotated[Optional[str], typer.Option("--every", help="Time between polls: 90s, 15m, 2h, 1d (default NEWSQA_FEED_EVERY, 15m).")] = None,
        keep: Annotated[bool, typer.Option("--keep", help="Never remove this feed's articles by NEWSQA_KEEP_DAYS.")] = False,
        poll: Annotated[bool, typer.Option(help="Poll the new feeds once now (when no watcher is running).")] = True,
        data_dir: DataDir = None,
    ) -> None:
        """Follow feeds: `newsqa serve` (or `newsqa watch`) keeps their articles in the index."""
        from rich.markup import escape

        from newsqa.errors import NewsqaError, WatcherBusyError
        from newsqa.index.follow import follow as subscribe
        from newsqa.index.subscriptions import format_every
        from newsqa.index.watch import FeedWatcher, WatchLock

        settings = settings_from(data_dir=data_dir)
        followed, failed = [], 0
        for url in urls:
            try:
                feed, new = subscribe(settings, url, every=every, keep=keep)
            except NewsqaError as error:
                err.print(f"[red]Not followed:[/red] {escape(str(error))}", highlight=False)
                failed += 1
                continue
            followed.append(feed.url)
            what = "Following" if new else "Already following (settings updated)"
            found = f" (found on {feed.site})" if feed.site else ""
            out.print(f"{what} {escape(feed.title or feed.url)}: {escape(feed.url)}{found}, "
                      f"every {format_every(feed.every)}", highlight=False)
        if followed and poll:
            try:
                with WatchLock(settings.data_dir):
                    report = FeedWatcher(settings).poll(only=followed, force=True)
                out.print(f"First poll: {report.summary()}", highlight=False)
                _print_problems(report, out, escape)
            except WatcherBusyError:
                out.print("A watcher is running on this data folder: it polls the new feeds "
                          "within 30 s.", highlight=False)
        if failed:
            raise typer.Exit(1)

    @app.command()
    def unfollow(
        urls: Annotated[list[str], typer.Argument(help="Feed (or site) addresses, as `newsqa feeds` lists them.", metavar="FEED_OR_URL", show_default=False)],
        data_dir: DataDir = None,
    ) -> None:
        """Stop polling feeds; the articles already stored stay (NEWSQA_KEEP_DAYS ages them out)."""
        from newsqa.index.follow import unfollow as unsubscribe

        settings = settings_from(data_dir=data_dir)
        for url in urls:
            feed = unsubscribe(settings, url)
            out.print(f"Unfollowed {feed.url}", highlight=False)

    @app.command()
    def feeds(
        data_dir: DataDir = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ) -> None:
        """List followed feeds: last and next poll, new and updated articles, last error."""
        import json

        from rich.markup import escape

        from newsqa.assistant.age import ago, until
        from newsqa.index.subscriptions import FeedBook, format_every

        settings = settings_from(data_dir=data_dir)
        subscriptions = FeedBook(settings.data_dir).all()
        if as_json:
            print(json.dumps({"feeds": [s.model_dump(exclude={"seen", "body_sha"})
                                        for s in subscriptions]}, indent=2))
            return
        if not subscriptions:
            out.print("No feeds are followed. Add one: newsqa follow https://example.com/feed.xml",
                      highlight=False)
            return
        now = time.time()
        for s in subscriptions:  # one block per feed: the address stays whole, to copy
            out.print(f"[bold]{escape(s.title or '(untitled)')}[/bold] {escape(s.url)}"
                      + (" [dim](kept)[/dim]" if s.keep else ""), highlight=False)
            last = (f"last poll {ago(now - s.last_poll)}: {s.last_new} new, {s.last_updated} "
                    "updated" if s.last_poll else "not polled yet")
            out.print(f"  every {format_every(s.every)} · {last} · next poll "
                      f"{until(s.next_poll - now)} · in all {s.total_new} new, "
                      f"{s.total_updated} updated", highlight=False)
            if s.last_error:
                out.print(f"  [yellow]last error[/yellow] ({s.failures} in a row): "
                          f"{escape(s.last_error)}", highlight=False)

    @app.command()
    def watch(
        data_dir: DataDir = None,
        once: Annotated[bool, typer.Option("--once", help="Poll the due feeds once and exit (for cron).")] = False,
    ) -> None:
        """Poll the followed feeds and keep the index current, without the page (Ctrl+C stops)."""
        import threading

        from rich.markup import escape

        from newsqa.index.watch import FeedWatcher, WatchLock

        settings = settings_from(data_dir=data_dir)
        watcher = FeedWatcher(settings)

        def show(report) -> None:
            out.print(f"{time.strftime('%H:%M:%S')} {report.summary()}", highlight=False)
            _print_problems(report, out, escape)

        with WatchLock(settings.data_dir):
            if once:
                show(watcher.poll())
                return
            err.print(f"Watching the feeds of {settings.data_dir} (Ctrl+C stops).", highlight=False)
            stop = threading.Event()
            try:
                watcher.run(stop, on_cycle=show)
            except KeyboardInterrupt:
                stop.set()

    @app.command()
    def pin(
        articles: Annotated[list[str], typer.Argument(help="Article ids or URLs.", metavar="ID_OR_URL", show_default=False)],
        remove: Annotated[bool, typer.Option("--remove", help="Unpin instead.")] = False,
        data_dir: DataDir = None,
    ) -> None:
        """Keep articles whatever NEWSQA_KEEP_DAYS says (or, with --remove, stop keeping them)."""
        from newsqa.index.retention import Pins

        settings = settings_from(data_dir=data_dir)
        pins = Pins(settings.data_dir)
        ids = pins.change(remove=articles) if remove else pins.change(add=articles)
        out.print(f"{len(ids)} articles pinned.", highlight=False)

    @app.command()
    def expire(
        data_dir: DataDir = None,
        keep_days: Annotated[Optional[int], typer.Option("--keep-days", help="Days to keep (default NEWSQA_KEEP_DAYS).")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be removed.")] = False,
    ) -> None:
        """Remove articles older than NEWSQA_KEEP_DAYS now (a watcher does it on its own)."""
        from newsqa.index.retention import expire as run_expire
        from newsqa.index.subscriptions import FeedBook
        from newsqa.index.watch import FeedWatcher

        settings = settings_from(data_dir=data_dir, keep_days=keep_days)
        if not settings.keep_days:
            err.print("Retention is off: set NEWSQA_KEEP_DAYS or pass --keep-days.")
            raise typer.Exit(1)
        watcher = FeedWatcher(settings)
        watcher.open_index()
        report = run_expire(settings, watcher.store, dry_run=dry_run,
                            keep_feeds=[f.url for f in FeedBook(settings.data_dir).all() if f.keep])
        prefix = "Would remove: " if dry_run else ""
        out.print(prefix + report.summary(), highlight=False)


def _print_problems(report, out, escape) -> None:
    for feed in report.feeds:
        if feed.error:
            out.print(f"  [yellow]failed[/yellow] {escape(feed.url)}: {escape(feed.error)}",
                      highlight=False)
    for skipped in report.skipped:
        out.print(f"  [yellow]skipped[/yellow] {escape(str(skipped))}", highlight=False)
