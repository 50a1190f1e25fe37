"""Who may use the web UI: the bind-address rule and the `NEWSQA_AUTH` credentials.

The chat UI reads the whole index and runs CPU-heavy models for anyone who can reach it,
so it only listens beyond this machine with a password. `serve()` calls
`launch_credentials()` before loading any model: binding a non-loopback address without
`NEWSQA_AUTH` (or `--auth`) stops with a message saying how to set it. The checking itself
is Gradio's (`launch(auth=[(user, password), ...])` compares passwords in constant time).

`NEWSQA_AUTH` is either `user:password[,user2:password2]` or the path of a file with one
`user:password` per line (`#` comments and blank lines allowed; use a file when a password
holds a comma). Error messages name the entry or line, never its text: a line without a
colon may well be a password. The program routes take the same logins as a bearer token or
HTTP Basic (newsqa/serving/guard.py).
"""

import ipaddress
import socket
from pathlib import Path

from pydantic import SecretStr

from newsqa.errors import InputError, NewsqaError
from newsqa.settings import Settings

HOW_TO_SET = ("Set NEWSQA_AUTH=user:password (several: user1:pw1,user2:pw2) or "
              "NEWSQA_AUTH=/path/to/file with one user:password per line, or pass "
              "--auth to `newsqa serve`.")


def is_loopback(host: str) -> bool:
    """True only when every address `host` stands for is a loopback address.

    An empty host, `0.0.0.0`, `::`, a LAN address or a name that does not resolve all
    count as reachable from other machines.
    """
    host = (host or "").strip().strip("[]")
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    addresses = {info[4][0].split("%")[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def _pair(text: str, where: str, origin: str) -> tuple[str, str]:
    user, colon, password = text.partition(":")
    user, password = user.strip(), password.strip()
    if not colon:
        raise InputError(origin, f"{where} has no colon; expected user:password")
    if not user:
        raise InputError(origin, f"{where} has an empty user name; expected user:password")
    if not password:
        raise InputError(origin, f"{where} has an empty password; expected user:password")
    return user, password


def _no_repeats(pairs: list[tuple[str, str]], origin: str) -> list[tuple[str, str]]:
    users = [user for user, _ in pairs]
    twice = sorted({user for user in users if users.count(user) > 1})
    if twice:  # Gradio keeps only the last password of a user listed twice
        raise InputError(origin, f"user {', '.join(twice)} is listed more than once")
    return pairs


def read_auth_file(path: Path) -> list[tuple[str, str]]:
    if not path.exists():  # not named: a mistyped value may be a password
        raise NewsqaError("The login setting (NEWSQA_AUTH or --auth) is neither "
                          f"user:password nor the path of an existing file. {HOW_TO_SET}")
    origin = f"auth file {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise InputError(origin, f"cannot be read ({reason}). {HOW_TO_SET}") from None
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            pairs.append(_pair(line, f"line {number}", origin))
    if not pairs:
        raise InputError(origin, "has no user:password lines")
    return _no_repeats(pairs, origin)


def parse_auth(value: str | SecretStr | None) -> list[tuple[str, str]] | None:
    """The (user, password) pairs that `value` names, or None when it is empty.

    A value without a colon, or naming an existing file, is read as a file path.
    """
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is None or not value.strip():
        return None
    value = value.strip()
    path = Path(value).expanduser()
    if ":" not in value or path.is_file():
        return read_auth_file(path)
    origin = "NEWSQA_AUTH (or --auth)"
    entries = value.split(",")
    pairs = [_pair(entry, f"entry {number}" if len(entries) > 1 else "the value", origin)
             for number, entry in enumerate(entries, start=1)]
    return _no_repeats(pairs, origin)


def launch_credentials(settings: Settings) -> list[tuple[str, str]] | None:
    """What to pass as `launch(auth=...)`; refuses a non-loopback bind without credentials
    and an IPv6 address, which Gradio 6.31 writes into its own URL without brackets and
    then crashes on (`http://:::7860`)."""
    if ":" in (settings.host or ""):
        raise NewsqaError(f"Cannot serve on the IPv6 address '{settings.host}': Gradio builds an "
                          "invalid URL from it. Use 127.0.0.1 (this machine only) or 0.0.0.0 "
                          "(every IPv4 address, with a login).")
    credentials = parse_auth(settings.auth)
    if credentials is None and not is_loopback(settings.host):
        raise NewsqaError(
            f"Refusing to serve on {settings.host or '(all addresses)'} without a login: "
            f"anyone who can reach this machine could use the assistant. {HOW_TO_SET} "
            "To keep it private to this machine, leave --host at 127.0.0.1.")
    return credentials
