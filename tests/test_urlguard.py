"""URLs people give must not reach this machine or its private networks (server-side request
forgery), also through redirects and DNS names, unless NEWSQA_ALLOW_PRIVATE_URLS allows it.

Traffic goes only to 127.0.0.1: the real fetch path is tested against listeners there (a
refusal must leave them without a single connection). Every other range, and what DNS
answers, is tested on the pure address check and on the resolver hook with a fake resolver
and a fake network layer that records connections instead of making them.
"""

import socket

import httpcore
import pytest

from localsite import Route, serve
from newsqa.index.article import Article, Skipped
from newsqa.index.limits import LoadLimits
from newsqa.index.load import load_paths
from newsqa.index.pipeline import ingest
from newsqa.index.urlguard import (BlockedAddress, GuardedBackend, UrlPolicy, blocked_reason,
                                   guarded_transport)
from newsqa.settings import Settings

PAGE = """<html><head><title>Harbour wall repaired</title></head><body><article>
<h1>Harbour wall repaired</h1><p>The harbour wall that storms broke in March has been repaired,
the port authority said on Tuesday, two weeks earlier than planned.</p>
<p>Fishing boats can use the inner basin again from Saturday.</p></article></body></html>"""


@pytest.fixture(autouse=True)
def setting_unset(monkeypatch):
    monkeypatch.delenv("NEWSQA_ALLOW_PRIVATE_URLS", raising=False)


class Listener:
    """A TCP socket listening on 127.0.0.1 that never answers: `connections()` counts the
    connections made to it (the kernel queues them whether or not they are accepted)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/story"

    def connections(self) -> int:
        self.sock.setblocking(False)
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self):
        self.sock.close()


@pytest.fixture
def listener():
    target = Listener()
    yield target
    target.close()


def _load(urls, policy: UrlPolicy, **limits):
    results = list(load_paths(urls, LoadLimits(url_policy=policy, **limits)))
    return ([r for r in results if isinstance(r, Article)],
            {r.origin: r.reason for r in results if isinstance(r, Skipped)})


# --- the real fetch path, on 127.0.0.1 -------------------------------------------------------

def test_loopback_is_refused_before_any_connection(listener):
    _, skipped = _load([listener.url], UrlPolicy())  # the default: nothing private allowed
    reason = skipped[listener.url]
    assert reason.startswith("refused: 127.0.0.1 is a loopback address")
    assert "NEWSQA_ALLOW_PRIVATE_URLS" in reason and f"127.0.0.1:{listener.port}" in reason
    assert listener.connections() == 0
    # The listener does see a connection when the address is allowed (the fetch then times
    # out: it never answers), so the zero above means the refusal came first.
    _, skipped = _load([listener.url], UrlPolicy.parse(f"127.0.0.1:{listener.port}"),
                       fetch_timeout=0.3)
    assert "no answer within 0.3 s" in skipped[listener.url]
    assert listener.connections() == 1


def test_the_setting_reaches_ingest_and_the_cli(listener, tmp_path, embedder, monkeypatch,
                                               capsys):
    from newsqa.cli import main as cli

    with serve({"/wall": Route(PAGE)}) as site:
        url = site.url("/wall")
        report = ingest([url], Settings(data_dir=tmp_path / "a"), embedder=embedder)
        assert [s.origin for s in report.skipped] == [url] and not report.new
        assert "refused: 127.0.0.1 is a loopback address" in report.skipped[0].reason
        with pytest.raises(SystemExit) as failed:  # nothing could be ingested: status 1
            cli(["ingest", url, "--data-dir", str(tmp_path / "b")])
        assert failed.value.code == 1
        assert (f"skipped {url}: refused: 127.0.0.1 is a loopback address"
                in capsys.readouterr().out)
        assert site.requests == []

        allowed = Settings(data_dir=tmp_path / "c", allow_private_urls=site.base[7:])
        assert len(ingest([url], allowed, embedder=embedder).new) == 1
        monkeypatch.setenv("NEWSQA_ALLOW_PRIVATE_URLS", "true")
        cli(["ingest", url, "--data-dir", str(tmp_path / "d")])
        assert "1 new" in capsys.readouterr().out
        assert [path for path, _ in site.requests] == ["/wall", "/wall"]


def test_a_redirect_to_a_refused_address_is_refused_before_connecting(listener):
    """Only the site's own 127.0.0.1:PORT is allowed; its redirects to another port, and to
    `localhost` (a name that resolves to loopback), are refused hop by hop."""
    routes = {"/wall": Route(PAGE),
              "/moved": Route(status=301, headers={"Location": "{base}/wall"}),
              "/away": Route(status=302, headers={"Location": listener.url}),
              "/by-name": Route(status=307, headers={
                  "Location": f"http://localhost:{listener.port}/story"}),
              "/to-file": Route(status=302, headers={"Location": "file:///etc/passwd"})}
    with serve(routes) as site:
        policy = UrlPolicy.parse(site.base.removeprefix("http://"))
        articles, skipped = _load([site.url(p) for p in ("/moved", "/away", "/by-name", "/to-file")],
                                  policy)
        assert [a.url for a in articles] == [site.url("/wall")]  # an allowed redirect is followed
        assert skipped[site.url("/away")].startswith(
            f"redirected to {listener.url}: refused: 127.0.0.1 is a loopback address")
        assert skipped[site.url("/by-name")].startswith(
            f"redirected to http://localhost:{listener.port}/story: refused: localhost (")
        to_file = skipped[site.url("/to-file")]  # (httpx fills in the host: file://127.0.0.1/…)
        assert to_file.startswith("redirected to file://") and ": file: addresses are not " \
            "fetched" in to_file
        assert [p for p, _ in site.requests] == ["/moved", "/wall", "/away", "/by-name", "/to-file"]
    assert listener.connections() == 0


def test_a_feed_entry_page_on_a_refused_address_is_not_fetched(listener):
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Port News</title>
<item><title>Harbour wall repaired</title><link>{listener.url}</link>
<description>The harbour wall that storms broke in March has been repaired.</description>
</item></channel></rss>"""
    with serve({"/feed.rss": Route(feed, content_type="application/rss+xml")}) as site:
        articles, _ = _load([site.url("/feed.rss")],
                            UrlPolicy.parse(site.base.removeprefix("http://")))
    (article,) = articles
    assert article.text.startswith("The harbour wall")  # the feed's summary, with a note why
    assert "refused: 127.0.0.1 is a loopback address" in article.notes[0]
    assert listener.connections() == 0


# --- the address check (no connection) -----------------------------------------------------

@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"),
    ("10.0.0.1", "private network"), ("10.255.255.255", "private network"),
    ("172.16.0.1", "private network"), ("172.31.255.254", "private network"),
    ("192.168.0.1", "private network"), ("169.254.169.254", "link-local"),
    ("0.0.0.0", "'this host'"), ("0.1.2.3", "'this host'"), ("::", "unspecified"),
    ("100.64.0.1", "carrier-grade NAT"), ("fc00::1", "unique-local"),
    ("fd00:ec2::254", "unique-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.1.1.1", "private network"),
    ("::ffff:169.254.169.254", "link-local"), ("::ffff:0.0.0.0", "'this host'"),
    ("2002:7f00:1::1", "loopback"), ("64:ff9b::a9fe:a9fe", "link-local"),
    ("::127.0.0.1", "loopback"), ("224.0.0.1", "multicast"), ("192.0.2.7", "reserved"),
    ("255.255.255.255", "reserved"),
])
def test_non_public_addresses_are_refused(address, kind):
    assert kind in blocked_reason(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "172.32.0.1", "172.15.255.255", "11.0.0.1",
                                     "192.169.0.1", "100.128.0.1", "2606:4700::1111",
                                     "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert blocked_reason(address) is None


def test_allow_list_entries():
    import ipaddress

    ip = ipaddress.ip_address
    one_port = UrlPolicy.parse("127.0.0.1:8080")
    assert one_port.allows("127.0.0.1", ip("127.0.0.1"), 8080)
    assert not one_port.allows("127.0.0.1", ip("127.0.0.1"), 8081)
    assert not one_port.allows("127.0.0.2", ip("127.0.0.2"), 8080)
    network = UrlPolicy.parse(" 10.0.0.0/8 , [::1]:9 ,Intranet.Example")
    assert network.allows("h", ip("10.9.8.7"), 443) and not network.allows("h", ip("11.0.0.1"), 1)
    assert network.allows("::1", ip("::1"), 9) and not network.allows("::1", ip("::1"), 10)
    assert network.allows("intranet.example.", ip("192.168.1.5"), 80)
    assert not network.allows("other.example", ip("192.168.1.5"), 80)
    assert UrlPolicy.parse("true").allow_all and UrlPolicy.parse(True).allow_all
    assert UrlPolicy.parse("false") == UrlPolicy.parse("") == UrlPolicy()
    for bad in ("127.0.0.1:http", "http://10.0.0.1/", "a b", "[::1]:99999"):
        with pytest.raises(ValueError, match="NEWSQA_ALLOW_PRIVATE_URLS"):
            UrlPolicy.parse(bad)
    with pytest.raises(ValueError, match="NEWSQA_ALLOW_PRIVATE_URLS"):
        Settings(allow_private_urls="10.0.0.0/8,127.0.0.1:x")


# --- the resolver hook (fake DNS, fake network: nothing is connected) -----------------------

class Recorder:
    """A network layer that records where it was asked to connect and connects nowhere."""

    def __init__(self):
        self.connected: list[tuple[str, int]] = []

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.connected.append((host, port))
        return object()


class FakeDNS:
    def __init__(self, *answers: list[str]):
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@pytest.mark.parametrize("answers", [["10.0.0.5"], ["169.254.169.254"], ["fd00::5"],
                                     ["::ffff:192.168.0.9"], ["0.0.0.0"]])
def test_a_name_resolving_to_a_private_address_is_refused_without_connecting(answers):
    network = Recorder()
    backend = GuardedBackend(UrlPolicy(), resolver=FakeDNS(answers), backend=network)
    with pytest.raises(BlockedAddress, match=f"refused: internal.example \\({answers[0]}\\)"):
        backend.connect_tcp("internal.example", 80)
    assert network.connected == []


def test_every_answer_is_checked_and_only_a_checked_address_is_connected():
    public = "93.184.215.14"  # a public address, only ever handed to the recorder
    network = Recorder()
    mixed = GuardedBackend(UrlPolicy(), resolver=FakeDNS([public, "127.0.0.1"]), backend=network)
    with pytest.raises(BlockedAddress, match="127.0.0.1"):
        mixed.connect_tcp("news.example", 443)
    assert network.connected == []

    # DNS rebinding: the name resolves to a public address once, then to loopback. The
    # connection goes to the address that was checked, by number; the name is never
    # resolved a second time (the socket layer gets no name to resolve).
    dns = FakeDNS([public], ["127.0.0.1"])
    guarded = GuardedBackend(UrlPolicy(), resolver=dns, backend=network)
    guarded.connect_tcp("rebind.example", 443)
    assert network.connected == [(public, 443)] and dns.asked == ["rebind.example"]
    with pytest.raises(BlockedAddress):  # the next connection resolves, and is checked, anew
        guarded.connect_tcp("rebind.example", 443)
    assert network.connected == [(public, 443)]


def test_allowed_names_and_dns_failures():
    network = Recorder()
    allowed = GuardedBackend(UrlPolicy.parse("intranet.example"),
                             resolver=FakeDNS(["10.1.2.3"]), backend=network)
    allowed.connect_tcp("intranet.example", 80)
    assert network.connected == [("10.1.2.3", 80)]

    def no_such_host(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    failing = GuardedBackend(UrlPolicy(), resolver=no_such_host, backend=network)
    with pytest.raises(httpcore.ConnectError) as error:
        failing.connect_tcp("nowhere.example", 80)
    assert isinstance(error.value.__cause__, socket.gaierror)  # reported as a DNS failure


def test_the_transport_uses_the_hook_for_every_connection():
    """Through httpx itself: a request to a name the fake DNS puts in 10/8 never reaches the
    network layer, and the refusal names the host and the setting."""
    import httpx

    network = Recorder()
    transport = guarded_transport(UrlPolicy(), resolver=FakeDNS(["10.0.0.8"]))
    transport._pool._network_backend.backend = network  # record instead of connecting
    with httpx.Client(transport=transport) as client:
        with pytest.raises(BlockedAddress, match="NEWSQA_ALLOW_PRIVATE_URLS"):
            client.get("http://internal.example/")
    assert network.connected == []
