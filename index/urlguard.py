"""Which web addresses newsqa may fetch: never the machine itself or its private networks.

URLs come from people using a shared page (and from API clients): fetched without a check, a
URL such as http://169.254.169.254/ (a cloud's metadata service) or http://127.0.0.1:8001/
(the Chroma server) would make newsqa request it and store whatever came back, readable by
asking (server-side request forgery). So every connection the fetcher opens goes through
`GuardedBackend`: it resolves the host name itself, checks *every* address the name resolves
to, and then connects to one of those checked addresses, never resolving again (a DNS answer
that changes between the check and the connection cannot slip through). Redirects are not
followed by httpx but hop by hop by `index/web.py`, each hop through the same check. Refused:
loopback, private, carrier-grade NAT, link-local (cloud metadata), unique-local, multicast and
other non-public ranges, also when written inside an IPv6 address (::ffff:127.0.0.1).

`NEWSQA_ALLOW_PRIVATE_URLS` (`UrlPolicy.parse`) lifts the rule: `true` for every address, or
a list of what to allow, e.g. `127.0.0.1:8080,10.0.0.0/8,intranet.example`.
"""

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

SETTING = "NEWSQA_ALLOW_PRIVATE_URLS"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

_RANGES: list[tuple[Network, str]] = [(ipaddress.ip_network(net), label) for net, label in (
    ("0.0.0.0/8", "'this host' address (0.0.0.0/8)"),
    ("127.0.0.0/8", "loopback address (127.0.0.0/8, this machine)"),
    ("10.0.0.0/8", "private network address (10.0.0.0/8)"),
    ("172.16.0.0/12", "private network address (172.16.0.0/12)"),
    ("192.168.0.0/16", "private network address (192.168.0.0/16)"),
    ("169.254.0.0/16", "link-local address (169.254.0.0/16, where cloud metadata services are)"),
    ("100.64.0.0/10", "carrier-grade NAT address (100.64.0.0/10)"),
    ("::1/128", "loopback address (::1, this machine)"),
    ("::/128", "unspecified address (::)"),
    ("fc00::/7", "unique-local address (fc00::/7, a private network)"),
    ("fe80::/10", "link-local address (fe80::/10)"),
)]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_V4_COMPATIBLE = ipaddress.ip_network("::/96")


class BlockedAddress(Exception):
    """A connection newsqa refuses to open; the message says why and how to allow it."""

    def __init__(self, host: str, port: int, address: str, reason: str):
        self.host, self.port, self.address, self.reason = host, port, address, reason
        named = host if host == address else f"{host} ({address})"
        example = f"{_bracket(host)}:{port}"
        super().__init__(
            f"refused: {named} is a {reason}; newsqa does not fetch from private or local "
            f"addresses unless {SETTING} allows it (true, or a list such as {example})")


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def parse_address(text: str) -> IPAddress | None:
    """The IP address written in `text` (an IPv6 zone such as %eth0 is dropped), or None."""
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries: mapped, 6to4, NAT64 or IPv4-compatible."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in _NAT64 or (ip in _V4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_reason(address: str | IPAddress) -> str | None:
    """What kind of non-public address this is ('loopback address (…)'), or None if public."""
    ip = parse_address(address) if isinstance(address, str) else address
    if ip is None:
        return "not an IP address"
    for network, label in _RANGES:
        if ip.version == network.version and ip in network:
            return label
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = blocked_reason(inner)
            return f"{reason}, written as the IPv6 address {ip}" if reason else None
    if ip.is_multicast:
        return "multicast address"
    if not ip.is_global:
        return "reserved address, not on the public internet"
    return None


@dataclass(frozen=True)
class AllowEntry:
    """One item of the allow list: a network (or one address) or a host name, any port or one."""

    network: Network | None = None
    hostname: str | None = None
    port: int | None = None

    def matches(self, host: str, address: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.hostname is not None:
            return host.lower().rstrip(".") == self.hostname
        return address.version == self.network.version and address in self.network


@dataclass(frozen=True)
class UrlPolicy:
    """Which non-public addresses may be fetched anyway: none (default), all, or a list."""

    allow_all: bool = False
    allowed: tuple[AllowEntry, ...] = ()

    @classmethod
    def parse(cls, value: "str | bool | None") -> "UrlPolicy":
        """`false`/empty: none; `true`: all; else comma-separated HOST[:PORT], where HOST is an
        address (`127.0.0.1`, `[::1]`), a network (`10.0.0.0/8`) or a host name."""
        if isinstance(value, bool):
            return cls(allow_all=value)
        text = (value or "").strip()
        if text.lower() in ("", "false", "0", "no", "off", "none"):
            return cls()
        if text.lower() in ("true", "1", "yes", "on", "all", "*"):
            return cls(allow_all=True)
        return cls(allowed=tuple(_entry(item.strip()) for item in text.split(",") if item.strip()))

    def allows(self, host: str, address: IPAddress, port: int) -> bool:
        return self.allow_all or any(e.matches(host, address, port) for e in self.allowed)

    def check(self, host: str, port: int, addresses: Iterable[str]) -> list[str]:
        """The addresses, if every one may be connected to; else `BlockedAddress`."""
        checked = []
        for text in addresses:
            ip = parse_address(text)
            reason = "not an IP address" if ip is None else blocked_reason(ip)
            if reason and not (ip is not None and self.allows(host, ip, port)):
                raise BlockedAddress(host, port, text, reason)
            checked.append(text)
        return checked


def _entry(item: str) -> AllowEntry:
    host, port = item, None
    if item.startswith("["):  # [IPv6] or [IPv6]:PORT
        host, _, rest = item[1:].partition("]")
        if rest:
            port = _port(rest.removeprefix(":"), item)
    elif item.count(":") == 1:  # host:port (more colons: a bare IPv6 address or network)
        host, _, text = item.partition(":")
        port = _port(text, item)
    try:
        return AllowEntry(network=ipaddress.ip_network(host, strict=False), port=port)
    except ValueError:
        pass
    name = host.lower().rstrip(".")
    if not name or any(c in name for c in "/@ \t[]%") or not all(
            part and part.replace("-", "").replace("_", "").isalnum() for part in name.split(".")):
        raise ValueError(f"{SETTING}: {item!r} is not an address, network or host name "
                         "(examples: 127.0.0.1:8080, 10.0.0.0/8, [::1], intranet.example)")
    return AllowEntry(hostname=name, port=port)


def _port(text: str, item: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"{SETTING}: {item!r} has no valid port after ':'")
    return int(text)


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (a literal address is returned as it is)."""
    if parse_address(host) is not None:
        return [host]
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in answers))


class GuardedBackend:
    """httpcore's network layer (a `httpcore.NetworkBackend`) with the check in it: resolve,
    check all, connect to a checked address. TLS still verifies the certificate against the
    host name (httpcore passes the name, not the address, to `start_tls`). httpcore is
    imported only here, when something is fetched."""

    def __init__(self, policy: UrlPolicy, *, resolver: Resolver = resolve, backend=None):
        import httpcore

        self.policy = policy
        self.resolver = resolver
        self.backend = backend or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options=None):
        import httpcore

        try:
            answers = self.resolver(host, port)
        except OSError as error:  # e.g. socket.gaierror: reported as a DNS failure
            raise httpcore.ConnectError(str(error)) from error
        if not answers:
            raise httpcore.ConnectError(f"no address found for {host}")
        last: Exception | None = None
        for address in self.policy.check(host, port, answers):
            try:
                return self.backend.connect_tcp(address, port, timeout=timeout,
                                                local_address=local_address,
                                                socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last = error  # try the next checked address, as a resolver-driven connect would
        raise last

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        raise BlockedAddress(path, 0, path, "local socket")

    def sleep(self, seconds: float) -> None:
        self.backend.sleep(seconds)


def guarded_transport(policy: UrlPolicy, *, resolver: Resolver = resolve, **options):
    """An `httpx.HTTPTransport` whose every connection goes through `GuardedBackend`.

    Giving httpx a transport also means no HTTP(S)_PROXY from the environment is used: a
    proxy would resolve and connect on its own, past the check.
    """
    import httpcore
    import httpx

    transport = httpx.HTTPTransport(**options)
    pool = transport._pool  # httpx builds the httpcore pool; its network layer is swapped
    if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError("httpx's transport changed: cannot install the address check")
    pool._network_backend = GuardedBackend(policy, resolver=resolver,
                                           backend=pool._network_backend)
    return transport
