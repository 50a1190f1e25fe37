"""Who may use the web UI: the bind-address rule and the `NEWSQA_AUTH` credentials.

The chat UI reads the whole index and runs CPU-heavy models for anyone who can reach it,
so it only listens beyond this machine with a password. `serve()` calls
`launch_credentials()` before loading any model: binding a non-loopback address without
`NEWSQA_AUTH` (or `--auth`) stops with a message saying how to set it. The checking itself
is Gradio's (`launch(auth=[(user, password), ...])` compares passwords in constant time).

`NEWSQA_AUTH` is either `user:password[:role][,user2:password2[:role]]` or the path of a
file with one `user:password[:role]` per line (`#` comments and blank lines allowed; use a
file when a password holds a comma). The role is `reader` (ask, search, read stories),
`editor` (also add articles and follow feeds; the default, as before roles existed) or
`admin` (also replace anyone's article and unfollow anyone's feed). In the file a password
may be an argon2 or bcrypt hash (`$argon2id$...`, `$2b$...`) instead of the password itself.
Error messages name the entry or line, never its text: a line without a colon may well be a
password. The program routes take the same logins as a bearer token or HTTP Basic
(newsqa/serving/guard.py); the page's login form checks them through `LoginBook.check_pair`.
"""

import hmac
import ipaddress
import os
import socket
import threading
from pathlib import Path
from typing import NamedTuple

from pydantic import SecretStr

from newsqa.errors import InputError, NewsqaError
from newsqa.settings import Settings

HOW_TO_SET = ("Set NEWSQA_AUTH=user:password (several: user1:pw1,user2:pw2; a role after "
              "a second colon: user:pw:reader) or NEWSQA_AUTH=/path/to/file with one "
              "user:password[:role] per line, or pass --auth to `newsqa serve`.")
ROLES = ("reader", "editor", "admin")
DEFAULT_ROLE = "editor"  # what every login could do before roles existed
_HASHED = ("$argon2", "$2a$", "$2b$", "$2y$")


class Login(NamedTuple):
    user: str
    password: str  # the password itself, or its argon2/bcrypt hash
    role: str = DEFAULT_ROLE

    def __repr__(self) -> str:  # never the password, not even in a traceback
        return f"Login(user={self.user!r}, role={self.role!r})"

    @property
    def hashed(self) -> bool:
        return self.password.startswith(_HASHED)


def may(role: str | None, action: str) -> bool:
    """Whether `role` may `action`: "read" (ask, search, stories), "edit" (add articles,
    follow and unfollow one's own feeds) or "administer" (replace anyone's article,
    unfollow anyone's feed). No role (a server without logins): everything."""
    if role is None:
        return True
    needed = {"read": "reader", "edit": "editor", "administer": "admin"}[action]
    return ROLES.index(role) >= ROLES.index(needed)


def _verify_hash(stored: str, password: str) -> bool:
    if stored.startswith("$argon2"):
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return PasswordHasher().verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    import bcrypt

    try:
        return bcrypt.checkpw(password.encode("utf-8"), stored.encode("utf-8"))
    except ValueError:
        return False


class LoginBook:
    """Checks a presented user and password against the logins; returns the login.

    Plain passwords are compared in constant time. A hashed one costs a hash (tens of ms,
    on purpose), so a pair that verified once is remembered by a keyed digest, never in the
    clear, and the next request of that client is as fast as with a plain password.
    """

    def __init__(self, logins: list[Login]):
        self.logins = {login.user: login for login in logins}
        self._key = os.urandom(32)  # this process's own: the digests mean nothing elsewhere
        self._verified: set[bytes] = set()
        self._lock = threading.Lock()

    def check(self, user: str, password: str) -> Login | None:
        user, password = (user or "").strip(), (password or "").strip()
        login = self.logins.get(user)
        if login is None or not password:
            return None
        if not login.hashed:
            same = hmac.compare_digest(password.encode("utf-8"), login.password.encode("utf-8"))
            return login if same else None
        digest = hmac.new(self._key, f"{user}\0{password}".encode("utf-8"), "sha256").digest()
        with self._lock:
            if digest in self._verified:
                return login
        if not _verify_hash(login.password, password):
            return None
        with self._lock:
            self._verified.add(digest)
        return login

    def check_pair(self, user: str, password: str) -> bool:
        """Gradio's `auth=` callable for the page's login form."""
        return self.check(user, password) is not None

    def role_of(self, user: str) -> str | None:
        login = self.logins.get(user)
        return login.role if login else None


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


def _pair(text: str, where: str, origin: str) -> Login:
    """`user:password[:role]`; a last part that is not a role belongs to the password."""
    user, colon, password = text.partition(":")
    user, password, role = user.strip(), password.strip(), DEFAULT_ROLE
    if not colon:
        raise InputError(origin, f"{where} has no colon; expected user:password")
    if not user:
        raise InputError(origin, f"{where} has an empty user name; expected user:password")
    head, colon, last = password.rpartition(":")
    if colon and last.strip().lower() in ROLES:
        password, role = head.strip(), last.strip().lower()
    if not password:
        raise InputError(origin, f"{where} has an empty password; expected user:password")
    return Login(user, password, role)


def _no_repeats(pairs: list[Login], origin: str) -> list[Login]:
    users = [login.user for login in pairs]
    twice = sorted({user for user in users if users.count(user) > 1})
    if twice:  # Gradio keeps only the last password of a user listed twice
        raise InputError(origin, f"user {', '.join(twice)} is listed more than once")
    return pairs


def read_auth_file(path: Path) -> list[Login]:
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


def parse_auth(value: str | SecretStr | None) -> list[Login] | None:
    """The logins that `value` names, or None when it is empty.

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


def launch_credentials(settings: Settings) -> list[Login] | None:
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
