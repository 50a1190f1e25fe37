"""Following feeds across processes: the commands, a watcher killed mid-poll and restarted,
two watchers on one folder, and `newsqa serve` keeping its index current by itself."""

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from feedfixtures import entry
from test_follow import FEED, allow_the_local_site, assert_consistent, publish, site  # noqa: F401 (fixtures)

from newsqa.cli import main
from newsqa.eval.bench.processes import free_port, http_ready
from newsqa.index.subscriptions import FeedBook

from conftest import background_process

ENV = {**os.environ, "NEWSQA_ALLOW_PRIVATE_URLS": "127.0.0.1", "HF_HUB_OFFLINE": "1",
       "GRADIO_ANALYTICS_ENABLED": "False", "ORT_DISABLE_TELEMETRY": "1"}


def newsqa(*args, timeout=180):
    return subprocess.run([sys.executable, "-m", "newsqa.cli", *args], capture_output=True,
                          text=True, timeout=timeout, env=ENV)


def test_follow_feeds_and_unfollow_commands(site, settings, capsys):
    publish(site, [entry(0), entry(1)])
    data = str(settings.data_dir)
    main(["follow", site.url(FEED), "--every", "30m", "--data-dir", data])
    shown = capsys.readouterr().out
    assert "Following Valley Wire" in shown and "every 30m" in shown
    assert "First poll: 1 feeds polled: 2 new, 0 updated" in shown

    main(["feeds", "--data-dir", data])
    listing = capsys.readouterr().out
    assert site.url(FEED) in listing and "30m" in listing and "just now" in listing

    main(["feeds", "--json", "--data-dir", data])
    feeds = json.loads(capsys.readouterr().out)["feeds"]
    assert feeds[0]["url"] == site.url(FEED) and feeds[0]["total_new"] == 2
    assert "seen" not in feeds[0]

    with pytest.raises(SystemExit) as failed:
        main(["follow", site.url("/nothing.xml"), "--data-dir", data])
    assert failed.value.code == 1 and "HTTP 404" in capsys.readouterr().err

    main(["unfollow", site.url(FEED), "--data-dir", data])
    assert "Unfollowed" in capsys.readouterr().out
    assert FeedBook(settings.data_dir).all() == []
    main(["feeds", "--data-dir", data])
    assert "No feeds are followed" in capsys.readouterr().out


KILLED_POLL = """
import sys
from newsqa.index.watch import FeedWatcher
from newsqa.settings import Settings
watcher = FeedWatcher(Settings(data_dir=sys.argv[1]),
                      progress=lambda done, total: print("progress", done, total, flush=True))
watcher.poll()
print("finished", flush=True)
"""


def test_a_watcher_killed_mid_poll_resumes_without_duplicates_or_losses(site, settings, embedder):
    entries = [entry(n) for n in range(30)]
    publish(site, entries)
    main(["follow", site.url(FEED), "--no-poll", "--data-dir", str(settings.data_dir)])
    process = subprocess.Popen([sys.executable, "-c", KILLED_POLL, str(settings.data_dir)],
                               stdout=subprocess.PIPE, text=True, env=ENV)
    killed = False
    for line in process.stdout:
        parts = line.split()
        if parts[:1] == ["progress"] and int(parts[1]) >= 16:
            os.kill(process.pid, signal.SIGKILL)  # after the first group was stored
            killed = True
            break
    process.wait(60)
    assert killed and process.returncode == -signal.SIGKILL
    state = FeedBook(settings.data_dir).get(site.url(FEED))
    assert state.last_poll is None and state.seen == {}  # nothing recorded: it is still due

    again = newsqa("watch", "--once", "--data-dir", str(settings.data_dir))
    assert again.returncode == 0, again.stderr
    assert "1 feeds polled" in again.stdout
    assert_consistent(settings, embedder, 30)
    state = FeedBook(settings.data_dir).get(site.url(FEED))
    assert len(state.seen) == 30 and state.total_new + state.total_updated <= 30

    once_more = newsqa("watch", "--once", "--data-dir", str(settings.data_dir))
    assert once_more.returncode == 0 and "0 feeds polled" in once_more.stdout  # not due
    assert_consistent(settings, embedder, 30)


def test_two_watchers_on_one_folder_are_refused(site, settings, tmp_path):
    publish(site, [entry(0)])
    data = str(settings.data_dir)
    main(["follow", site.url(FEED), "--no-poll", "--data-dir", data])

    def watching() -> bool:
        return (settings.data_dir / "watch.lock.json").exists()

    with background_process([sys.executable, "-m", "newsqa.cli", "watch", "--data-dir", data],
                            tmp_path / "watch.log", watching, what="newsqa watch", timeout=60,
                            env=ENV) as first:
        second = newsqa("watch", "--once", "--data-dir", data)
        assert second.returncode == 2
        assert f"Another watcher already polls the feeds of {data} (process {first.pid}" \
            in second.stderr


def test_serve_polls_followed_feeds_and_new_entries_are_searchable(site, settings, tmp_path):
    publish(site, [entry(0)])
    data = str(settings.data_dir)
    main(["follow", site.url(FEED), "--every", "2s", "--no-poll", "--data-dir", data])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with background_process([sys.executable, "-m", "newsqa.cli", "serve", "--port", str(port),
                             "--no-samples", "--data-dir", data], tmp_path / "serve.log",
                            lambda: http_ready(base + "/healthz"), what="newsqa serve",
                            timeout=120, env=ENV):
        def finds(query: str, town: str, within: float) -> float:
            started = time.monotonic()
            while time.monotonic() - started < within:
                found = httpx.post(base + "/api/search", json={"query": query}, timeout=30).json()
                if any(town in p["title"] for p in found["passages"]):
                    return time.monotonic() - started
                time.sleep(0.5)
            raise AssertionError(f"{town} not found within {within} s")

        finds("Varnholt footbridge", "Varnholt", within=60)  # the first poll, after start-up
        publish(site, [entry(0), entry(5)])
        # One interval (2 s, +-10 %) plus a poll and an ingest; never the 30 s idle sleep.
        waited = finds("Hallowmarsh swimming pool mayor", "Hallowmarsh", within=20)
        assert waited < 20

        # Programs follow feeds too: checked at once, polled at once (woken, not in 30 s).
        publish(site, [entry(9)], path="/other.xml")
        followed = httpx.post(base + "/api/feeds", json={"url": site.url("/other.xml"),
                                                         "every": "1h"}, timeout=30)
        assert followed.status_code == 200 and followed.json()["polling_now"] is True
        assert finds("Wexhaven ferry pier", "Wexhaven", within=15) < 15
        listed = httpx.get(base + "/api/feeds", timeout=30).json()
        assert {f["url"] for f in listed["feeds"]} == {site.url(FEED), site.url("/other.xml")}
        assert listed["polling_here"] is True and "seen" not in listed["feeds"][0]
        refused = httpx.post(base + "/api/feeds", json={"url": site.url("/nope.xml")}, timeout=30)
        assert refused.status_code == 422 and "HTTP 404" in refused.json()["error"]["message"]
        gone = httpx.delete(base + "/api/feeds", params={"url": site.url("/other.xml")}, timeout=30)
        assert gone.status_code == 200
        assert httpx.delete(base + "/api/feeds", params={"url": site.url("/other.xml")},
                            timeout=30).status_code == 404
    state = FeedBook(settings.data_dir).get(site.url(FEED))
    assert state.total_new == 2 and state.failures == 0
