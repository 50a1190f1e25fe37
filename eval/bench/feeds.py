"""`newsqa bench-feeds`: many followed feeds on a local server, polled as `newsqa serve` does.

Measures what issue 17 set as targets, on this machine, with nothing leaving it:
- the first cycle over N feeds (every entry new): time, CPU, and the most connections the
  server ever saw at once (the bound is `feed_connections`);
- an unchanged cycle (every feed answers 304): time and CPU of the whole process;
- a cycle where some feeds gained an entry: are the new entries found by keyword and by
  meaning right after it;
- questions asked on another thread during the polls: answers and errors.

The feeds are synthetic (made-up stories, one town per feed), served on 127.0.0.1 with
ETags like a real feed server; the index is a fresh temporary folder.
"""

import http.server
import shutil
import tempfile
import threading
import time
from pathlib import Path

TOPICS = ["bridge", "library", "harbour", "school", "market", "stadium", "hospital", "park",
          "museum", "railway"]


def _story(feed: int, n: int) -> tuple[str, str]:
    town = f"Town{feed:03d}"
    topic = TOPICS[n % len(TOPICS)]
    title = f"{town} council approves the {topic} plan number {n}"
    text = (f"The council of {town} approved plan number {n} for the {topic} on Monday, "
            f"after a debate that ran late into the night. The plan costs {feed * 3 + n} "
            f"million and will take {n % 5 + 2} years.\nCouncillors said the {topic} would "
            f"serve {1000 + feed * 17 + n} residents, and that work starts in the spring.")
    return title, text


def _rss(base: str, feed: int, entries: int) -> bytes:
    items = []
    for n in range(entries):
        title, text = _story(feed, n)
        link = f"{base}/f{feed}/{n}"
        items.append(f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
                     f"<pubDate>Mon, 30 Nov 2026 {n % 24:02d}:00:00 GMT</pubDate>"
                     f"<description>{text}</description></item>")
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {feed}</title>'
            f"<link>{base}/</link>{''.join(items)}</channel></rss>").encode()


class FeedServer:
    """Feeds at /feed/N.xml with ETags; counts requests and the busiest moment."""

    def __init__(self, feeds: int, entries: int):
        self.entries = {n: entries for n in range(feeds)}
        self.requests = 0
        self.not_modified = 0
        self.busiest = 0
        self._active = 0
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with server._lock:
                    server.requests += 1
                    server._active += 1
                    server.busiest = max(server.busiest, server._active)
                try:
                    number = int(self.path.split("/")[-1].removesuffix(".xml"))
                    count = server.entries[number]
                    etag = f'"{number}-{count}"'
                    if self.headers.get("If-None-Match") == etag:
                        with server._lock:
                            server.not_modified += 1
                        self.send_response(304)
                        self.send_header("ETag", etag)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    body = _rss(server.base, number, count)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    time.sleep(0.02)  # a little server time, so connections overlap
                finally:
                    with server._lock:
                        server._active -= 1

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _cycle(watcher, server, **options) -> dict:
    before_requests, before_304 = server.requests, server.not_modified
    server.busiest = 0
    wall, cpu = time.perf_counter(), time.process_time()
    report = watcher.poll(**options)
    return {"feeds": len(report.feeds), "new": report.new, "updated": report.updated,
            "errors": sum(1 for f in report.feeds if f.status == "error"),
            "seconds": round(time.perf_counter() - wall, 3),
            "cpu_seconds": round(time.process_time() - cpu, 3),
            "requests": server.requests - before_requests,
            "not_modified": server.not_modified - before_304,
            "most_connections_at_once": server.busiest}


def run_feed_bench(feeds: int = 50, entries: int = 10, changed: int = 5, *, log=print) -> dict:
    from newsqa.assistant.chain import NewsAssistant
    from newsqa.index.follow import follow
    from newsqa.index.watch import FeedWatcher
    from newsqa.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="newsqa-feedbench-"))
    try:
        with FeedServer(feeds, entries) as server:
            settings = Settings(data_dir=folder / "data", allow_private_urls="127.0.0.1",
                                fetch_feed_pages=False)
            started = time.perf_counter()
            for n in range(feeds):
                follow(settings, f"{server.base}/feed/{n}.xml", every="15m")
            result = {"feeds": feeds, "entries_per_feed": entries,
                      "connections_bound": settings.feed_connections,
                      "follow_seconds": round(time.perf_counter() - started, 2)}
            assistant = NewsAssistant(settings)
            watcher = FeedWatcher(settings, embedder=assistant.embedder, store=assistant.store)
            asked = _Asker(assistant, f"How many residents will the Town001 {TOPICS[1]} serve?")

            log(f"first cycle: {feeds} feeds x {entries} new entries")
            with asked:
                result["first_cycle"] = _cycle(watcher, server, force=True)
            result["questions_during_first_cycle"] = asked.summary()
            log(f"  {result['first_cycle']}")

            log("unchanged cycle (all 304)")
            result["unchanged_cycle"] = _cycle(watcher, server, force=True)
            log(f"  {result['unchanged_cycle']}")

            for n in range(changed):
                server.entries[n] += 1
            log(f"cycle with {changed} feeds gaining an entry")
            asked = _Asker(assistant, "What did the council of Town002 approve?")
            with asked:
                result["changed_cycle"] = _cycle(watcher, server, force=True)
            result["questions_during_changed_cycle"] = asked.summary()
            found_keyword = found_meaning = 0
            for n in range(changed):
                title, text = _story(n, entries)
                hits = assistant.search(f"{title}")
                found_keyword += any(d.metadata.get("title") == title for d in hits)
                meaning = assistant.retriever.invoke(
                    f"{TOPICS[entries % len(TOPICS)]} plan approved by Town{n:03d} council")
                found_meaning += any(d.metadata.get("title") == title for d in meaning)
            result["new_entries_found"] = {"of": changed, "by_question": found_keyword,
                                           "by_meaning": found_meaning}
            log(f"  {result['changed_cycle']}; found {found_keyword}/{changed} by question, "
                f"{found_meaning}/{changed} by meaning")
            result["passages"] = assistant.store.count()
            return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _Asker:
    """Asks one question over and over on a thread while the block runs."""

    def __init__(self, assistant, question: str):
        self.assistant, self.question = assistant, question
        self.answers, self.errors = 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.assistant.ask(self.question)
                self.answers += 1
            except Exception as error:  # counted and reported
                self.errors.append(f"{type(error).__name__}: {error}")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(120)

    def summary(self) -> dict:
        return {"answers": self.answers, "errors": len(self.errors),
                "first_error": self.errors[0] if self.errors else None}
