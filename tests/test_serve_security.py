"""Serving safely: loopback by default, a login for any other address, upload limits.

The rules are checked as functions (fast) and on the real server (`newsqa serve` in a
subprocess): what it listens on is read from /proc/net/tcp, not from its own output.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from newsqa.auth import Login, LoginBook, is_loopback, launch_credentials, may, parse_auth
from newsqa.errors import NewsqaError
from newsqa.settings import Settings
from newsqa.gate import queue_limits
from newsqa.intake import upload_limit_bytes

from conftest import background_process, free_port, http_ready

PASSWORD = "Pw-s3cret-917"  # distinctive, so a leak into output can be searched for


def serve_args(port: int, data_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "newsqa.cli", "serve", "--port", str(port),
            "--data-dir", str(data_dir), *extra]


def clean_env(**extra: str) -> dict:
    """This environment without any NEWSQA_AUTH the developer may have set."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSQA_AUTH"}
    return {**env, **extra}


def listening_addresses(port: int) -> set[str]:
    """Local addresses on which some socket LISTENs on `port` (Linux /proc/net/tcp{,6})."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        if not os.path.exists(table):
            continue
        with open(table) as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                address, port_hex = fields[1].split(":")
                if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A = LISTEN
                    continue
                raw = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                found.add(socket.inet_ntop(family, raw))
    return found


# --- the rules, as functions ---------------------------------------------------------

def test_auth_values_inline_and_file(tmp_path):
    assert parse_auth(None) is None and parse_auth("  ") is None
    assert parse_auth("alice:pw1, bob : p:w2") == [Login("alice", "pw1", "editor"),
                                                    Login("bob", "p:w2", "editor")]
    logins = tmp_path / "logins.txt"
    logins.write_text("# who may log in\n\nalice:pw1\n  carol:pw,with,commas  \n")
    assert parse_auth(str(logins)) == [Login("alice", "pw1"), Login("carol", "pw,with,commas")]


def test_a_role_after_the_password_and_editor_without_one():
    assert parse_auth("rita:pw:reader,ed:p:w,ada:pw:Admin") == [
        Login("rita", "pw", "reader"), Login("ed", "p:w", "editor"), Login("ada", "pw", "admin")]
    assert [may("reader", a) for a in ("read", "edit", "administer")] == [True, False, False]
    assert [may("editor", a) for a in ("read", "edit", "administer")] == [True, True, False]
    assert [may("admin", a) for a in ("read", "edit", "administer")] == [True, True, True]
    assert may(None, "administer")  # a server without logins has one user: its operator
    assert "pw" not in repr(parse_auth("rita:pw:reader"))


def test_hashed_passwords_in_the_login_file(tmp_path):
    import bcrypt
    from argon2 import PasswordHasher

    logins = tmp_path / "logins.txt"
    logins.write_text(f"ann:{PasswordHasher().hash('argon-pw')}:admin\n"
                      f"ben:{bcrypt.hashpw(b'bcrypt-pw', bcrypt.gensalt(4)).decode()}\n"
                      "cid:plain-pw:reader\n")
    book = LoginBook(parse_auth(str(logins)))
    assert book.check("ann", "argon-pw").role == "admin"
    assert book.check("ann", "argon-pw").role == "admin"  # remembered, same answer
    assert book.check("ben", "bcrypt-pw").role == "editor"
    assert book.check("cid", "plain-pw").role == "reader"
    for user, password in [("ann", "bcrypt-pw"), ("ben", "argon-pw"), ("cid", "plain"),
                           ("nobody", "plain-pw"), ("ann", ""),
                           ("ben", parse_auth(str(logins))[1].password)]:  # the hash itself
        assert book.check(user, password) is None


@pytest.mark.parametrize("value, expected", [
    ("alice:pw1,bobsecret", "entry 2 has no colon"),
    ("alice:", "empty password"),
    (":bobsecret", "empty user name"),
    ("alice:a,alice:bobsecret", "alice is listed more than once"),
    ("bobsecret", "neither user:password nor the path of an existing file"),
])
def test_malformed_auth_says_where_but_not_the_secret(value, expected):
    with pytest.raises(NewsqaError) as caught:
        parse_auth(value)
    assert expected in str(caught.value)
    assert "bobsecret" not in str(caught.value)


def test_malformed_auth_file_names_the_line(tmp_path):
    logins = tmp_path / "logins.txt"
    logins.write_text("alice:pw1\n# comment\n\nbobsecret\n")
    with pytest.raises(NewsqaError, match=r"logins.txt: line 4 has no colon") as caught:
        parse_auth(str(logins))
    assert "bobsecret" not in str(caught.value)
    (tmp_path / "empty.txt").write_text("# nobody yet\n")
    with pytest.raises(NewsqaError, match="has no user:password lines"):
        parse_auth(str(tmp_path / "empty.txt"))
    (tmp_path / "binary.txt").write_bytes(b"alice:\xff\xfe\n")
    with pytest.raises(NewsqaError, match="cannot be read"):
        parse_auth(str(tmp_path / "binary.txt"))
    with pytest.raises(NewsqaError, match=r"cannot be read \(Is a directory\)"):
        parse_auth(str(tmp_path))


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("::", False), ("", False), ("192.168.1.20", False),
    ("10.0.0.5", False), ("no-such-host.invalid", False),
])
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback


def test_bind_rules(tmp_path):
    assert launch_credentials(Settings(host="127.0.0.1")) is None
    assert launch_credentials(Settings(host="127.0.0.1", auth="u:p")) == [Login("u", "p")]
    assert launch_credentials(Settings(host="0.0.0.0", auth="u:p")) == [Login("u", "p")]
    for host in ("0.0.0.0", "192.168.1.20"):
        with pytest.raises(NewsqaError, match="NEWSQA_AUTH=user:password"):
            launch_credentials(Settings(host=host))
    with pytest.raises(NewsqaError, match="IPv6"):
        launch_credentials(Settings(host="::", auth="u:p"))
    assert PASSWORD not in repr(Settings(auth=f"u:{PASSWORD}"))


def test_queue_and_upload_limits():
    assert queue_limits(Settings()) == (2, 64)
    assert queue_limits(Settings(ui_concurrency=3, max_queue=5)) == (3, 5)
    # An in-process llama.cpp model is not thread-safe: one answer at a time, always;
    # at ~8 s an answer, fewer may wait.
    assert queue_limits(Settings(llm="llamacpp:/models/m.gguf")) == (1, 8)
    assert queue_limits(Settings(llm="llamacpp:/models/m.gguf", ui_concurrency=4,
                                 max_queue=20)) == (1, 20)
    assert queue_limits(Settings(llm="openai:qwen", ui_concurrency=4))[0] == 4
    assert upload_limit_bytes(Settings()) == 20 * 1024 * 1024
    assert upload_limit_bytes(Settings(max_upload_mb=0.001)) == 1048


# --- the real server -------------------------------------------------------------------

def test_public_bind_without_auth_is_refused_quickly(tmp_path):
    port = free_port()
    started = time.monotonic()
    done = subprocess.run(serve_args(port, tmp_path / "data", "--host", "0.0.0.0"),
                          env=clean_env(), capture_output=True, text=True, timeout=120,
                          check=False)
    took = time.monotonic() - started
    assert done.returncode != 0
    assert "Refusing to serve on 0.0.0.0 without a login" in done.stderr
    assert "NEWSQA_AUTH=user:password" in done.stderr
    assert "Traceback" not in done.stderr
    assert took < 30, f"refusing took {took:.0f} s: models were loaded before the check"
    assert listening_addresses(port) == set()


def test_bad_auth_file_is_refused_naming_the_line(tmp_path):
    logins = tmp_path / "logins.txt"
    logins.write_text(f"alice:{PASSWORD}\n# bob asked for access\n\nbob{PASSWORD}\n")
    port = free_port()
    done = subprocess.run(serve_args(port, tmp_path / "data", "--host", "0.0.0.0"),
                          env=clean_env(NEWSQA_AUTH=str(logins)), capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode != 0
    assert "logins.txt: line 4 has no colon; expected user:password" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    assert listening_addresses(port) == set()


@pytest.fixture(scope="module")
def local_server(tmp_path_factory):
    """Default bind, with a 0.001 MB upload limit."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("local-server")
    url = f"http://127.0.0.1:{port}"
    with background_process(serve_args(port, data_dir), data_dir / "server.log",
                            lambda: http_ready(url), what="the app", timeout=180,
                            env=clean_env(NEWSQA_MAX_UPLOAD_MB="0.001")):
        yield port, url


def test_default_bind_is_loopback_only(local_server):
    port, url = local_server
    assert http_ready(url)
    assert listening_addresses(port) == {"127.0.0.1"}


def test_upload_over_the_limit_is_rejected(local_server):
    _, url = local_server
    small = httpx.post(f"{url}/gradio_api/upload", files={"files": ("a.txt", b"x" * 500)})
    assert small.status_code == 200, small.text
    big = httpx.post(f"{url}/gradio_api/upload", files={"files": ("b.txt", b"x" * 5000)})
    assert big.status_code == 413
    assert "maximum allowed size of 1048 bytes" in big.text


@pytest.fixture(scope="module")
def public_server(tmp_path_factory):
    """Bound to every address with a login; GRADIO_SHARE=True must not open a share link."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("public-server")
    url = f"http://127.0.0.1:{port}"
    log = data_dir / "server.log"
    with background_process(serve_args(port, data_dir, "--host", "0.0.0.0"), log,
                            lambda: http_ready(url), what="the app", timeout=180,
                            env=clean_env(NEWSQA_AUTH=f"user:{PASSWORD}", GRADIO_SHARE="True")):
        yield port, url, log


def test_public_bind_requires_the_login(public_server):
    from gradio_client import Client

    port, url, log = public_server
    assert listening_addresses(port) == {"0.0.0.0"}
    for path in ("/gradio_api/info", "/config"):
        assert httpx.get(url + path).status_code == 401
    join = httpx.post(f"{url}/gradio_api/queue/join",
                      json={"data": ["What did Putin demand?"], "fn_index": 0, "session_hash": "x"})
    assert join.status_code == 401
    with pytest.raises(Exception, match="credentials were not provided"):
        Client(url, verbose=False)
    with pytest.raises(Exception, match="Could not login"):
        Client(url, verbose=False, auth=("user", "wrong"))

    client = Client(url, verbose=False, auth=("user", PASSWORD))
    assert "legally binding" in str(client.predict(message="What did Putin demand?",
                                                   api_name="/chat"))
    output = log.read_text()
    assert "(login required)" in output
    assert PASSWORD not in output
    assert "gradio.live" not in output and "public URL" not in output
