"""Fetch http(s) URLs safely: SSRF guard on every hop, size/time limits, content-type check."""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import ssl
import time
import zlib
from dataclasses import dataclass

import httpx

from app.ingest.formats import LoadError, load_bytes
from app.models import Article
from app.settings import Settings

logger = logging.getLogger(__name__)

CONTENT_TYPES: dict[str, str] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "application/pdf": "pdf",
    "application/json": "json",
}
_REDIRECTS = {301, 302, 303, 307, 308}
_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?)+$")
_USER_AGENT = "Newsdesk/0.1 (+article fetcher)"
_ACCEPT = ", ".join(CONTENT_TYPES) + ";q=0.9, */*;q=0.1"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL, after redirects
    content_type: str  # media type without parameters, e.g. "text/html"
    body: bytes  # decompressed
    encoding: str | None  # charset from the Content-Type header
    status: int = 200  # 304 when a conditional GET found the resource unchanged (body empty)
    etag: str | None = None  # validators for the next conditional GET
    last_modified: str | None = None


@dataclass(frozen=True)
class _Target:
    url: httpx.URL  # the URL as given (for Host, SNI, joining redirects)
    pinned: httpx.URL  # the same URL with the host replaced by the checked IP address
    host: str  # ASCII (IDNA) host name or IP literal


# --- Checks (pure) --------------------------------------------------------------------------------------------------


def parse_url(url: str) -> httpx.URL:
    """A well-formed absolute http(s) URL, or LoadError."""
    try:
        parsed = httpx.URL(url.strip())
        port = parsed.port
    except (httpx.InvalidURL, ValueError, UnicodeError) as e:
        raise LoadError(url, f"malformed URL: {e}") from e
    if parsed.scheme not in ("http", "https"):
        raise LoadError(url, f"only http and https URLs are supported, not '{parsed.scheme or 'no scheme'}'")
    host = parsed.raw_host.decode("ascii", "replace")
    if not host:
        raise LoadError(url, "malformed URL: no host")
    if _ip(host) is None and not _HOSTNAME.match(host):
        raise LoadError(url, f"malformed URL: invalid host '{parsed.host}'")
    if port is not None and not 0 < port < 65536:
        raise LoadError(url, f"malformed URL: invalid port {port}")
    return parsed


def blocked_reason(ip: IPAddress) -> str | None:
    """Why connecting to `ip` is refused (private, loopback, ...), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if mapped is not None:
            reason = blocked_reason(mapped)
            if reason:
                return reason
    for attr in ("is_loopback", "is_private", "is_link_local", "is_multicast", "is_reserved", "is_unspecified"):
        if getattr(ip, attr):
            return attr.removeprefix("is_").replace("_", "-")
    if not ip.is_global:
        return "non-global"
    return None


def is_allowlisted(host: str, ip: IPAddress, allowlist: list[str]) -> bool:
    """True when the host name, the IP or a network containing it is in settings.url_allowlist."""
    for entry in allowlist:
        entry = entry.strip().lower().strip("[]")
        if not entry:
            continue
        if entry == host.lower().rstrip("."):
            return True
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


# --- Resolution (side effect: DNS) ----------------------------------------------------------------------------------


def resolve_target(url: str, settings: Settings) -> _Target:
    """Parse, resolve and check a URL; the request then goes to the checked address (no DNS rebinding)."""
    parsed = parse_url(url)
    host = parsed.raw_host.decode("ascii")
    literal = _ip(host)
    if literal is not None:
        addresses = [literal]
    else:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as e:
            raise LoadError(url, f"cannot resolve host '{host}'") from e
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
        if not addresses:
            raise LoadError(url, f"cannot resolve host '{host}'")
    if not settings.url_allow_private:
        for ip in addresses:
            reason = blocked_reason(ip)
            if reason and not is_allowlisted(host, ip, settings.url_allowlist):
                raise LoadError(
                    url,
                    f"refusing to fetch from a {reason} address ({ip}); set url_allow_private or add the host "
                    "to url_allowlist to allow it",
                )
    return _Target(url=parsed, pinned=parsed.copy_with(host=str(addresses[0])), host=host)


# --- Fetching -------------------------------------------------------------------------------------------------------


def make_client(settings: Settings, *, verify: ssl.SSLContext | bool = True) -> httpx.Client:
    """An httpx client that never follows redirects itself and ignores proxy env vars (they'd bypass the guard)."""
    return httpx.Client(
        follow_redirects=False,
        trust_env=False,
        timeout=settings.url_timeout,
        verify=verify,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


def fetch_url(
    url: str,
    settings: Settings,
    *,
    client: httpx.Client | None = None,
    headers: dict[str, str] | None = None,
    content_types: dict[str, str] | None = None,
) -> Fetched:
    """GET `url`, following up to settings.url_max_redirects redirects and checking every hop.

    `headers` are added to each request (e.g. If-None-Match for a conditional GET: a 304 answer is a Fetched with
    status 304 and no body); `content_types` replaces the accepted media types (default CONTENT_TYPES).

    settings.url_timeout bounds the whole fetch (not DNS look-ups); settings.max_url_bytes bounds the
    (decompressed) body. A passed-in `client` must not use a proxy, or the address check means nothing.
    """
    own_client = client is None
    client = client or make_client(settings)
    deadline = time.monotonic() + settings.url_timeout
    current = url
    try:
        for _hop in range(settings.url_max_redirects + 1):
            try:
                target = resolve_target(current, settings)
            except LoadError as e:
                if current == url:
                    raise
                raise LoadError(url, f"redirected to {current}: {e.message}") from e
            location = _request(
                client, target, settings, deadline, original=url, headers=headers, content_types=content_types
            )
            if isinstance(location, Fetched):
                return location
            try:
                current = str(target.url.join(location))
            except (httpx.InvalidURL, ValueError, UnicodeError) as e:
                raise LoadError(url, f"malformed redirect location {location!r}") from e
            logger.debug("%s: redirected to %s", url, current)
        raise LoadError(url, f"too many redirects (more than {settings.url_max_redirects})")
    except httpx.TimeoutException as e:
        raise LoadError(url, f"timed out after {settings.url_timeout:g}s") from e
    except httpx.HTTPError as e:
        raise LoadError(url, f"request failed: {type(e).__name__}: {e}") from e
    finally:
        if own_client:
            client.close()


def _request(
    client: httpx.Client,
    target: _Target,
    settings: Settings,
    deadline: float,
    *,
    original: str,
    headers: dict[str, str] | None = None,
    content_types: dict[str, str] | None = None,
) -> Fetched | str:
    """One hop: the Fetched result, or the Location of a redirect."""
    types = content_types or CONTENT_TYPES
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise httpx.ReadTimeout("fetch deadline passed")
    request = client.build_request(
        "GET",
        target.pinned,
        headers={
            "Host": target.url.netloc.decode("ascii"),
            "User-Agent": _USER_AGENT,
            "Accept": _ACCEPT if content_types is None else ", ".join(types) + ";q=0.9, */*;q=0.1",
            "Accept-Encoding": "gzip, deflate",  # the only ones _Inflater decodes (with a size cap)
            # Pooled connections are keyed by the pinned IP; never reuse one that TLS verified for another name.
            "Connection": "close",
            **(headers or {}),
        },
        extensions={"sni_hostname": target.host},
        timeout=httpx.Timeout(remaining),
    )
    response = client.send(request, stream=True, follow_redirects=False)  # we follow them, re-checking each hop
    try:
        if response.status_code in _REDIRECTS:
            location = response.headers.get("location")
            if not location:
                raise LoadError(original, f"HTTP {response.status_code} redirect without a Location header")
            return location
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if response.status_code == 304:
            return Fetched(str(target.url), "", b"", None, status=304, etag=etag, last_modified=modified)
        if response.status_code >= 400:
            raise LoadError(original, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
        media_type, charset = _content_type(response.headers.get("content-type", ""))
        if media_type not in types:
            raise LoadError(
                original,
                f"unsupported content type '{media_type or 'none'}' (supported: {', '.join(sorted(types))})",
            )
        body = _read_body(response, settings.max_url_bytes, deadline, original)
        return Fetched(
            url=str(target.url), content_type=media_type, body=body, encoding=charset, etag=etag, last_modified=modified
        )
    finally:
        response.close()


def _content_type(header: str) -> tuple[str, str | None]:
    media_type, _, params = header.partition(";")
    m = re.search(r"""charset\s*=\s*["']?([^"';\s]+)""", params, re.I)
    return media_type.strip().lower(), (m.group(1) if m else None)


def _read_body(response: httpx.Response, limit: int, deadline: float, url: str) -> bytes:
    """The body, decompressed by us so a small gzip 'bomb' cannot expand past `limit`."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise LoadError(url, f"response is {int(declared):,} bytes, over the {limit:,}-byte limit (max_url_bytes)")
    inflater = _Inflater(response.headers.get("content-encoding", ""), url)
    parts: list[bytes] = []
    raw_total = total = 0
    for chunk in response.iter_raw():  # no chunk_size: yield each network read, so the deadline is checked
        raw_total += len(chunk)
        if raw_total > limit:
            raise LoadError(url, f"response is over the {limit:,}-byte limit (max_url_bytes)")
        out = inflater.feed(chunk, limit - total)
        total += len(out)
        parts.append(out)
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("fetch deadline passed")
    tail = inflater.finish(limit - total)
    return b"".join([*parts, tail])


class _Inflater:
    """Incremental gzip/deflate decoding that never produces more than the room it is given."""

    def __init__(self, encoding: str, url: str) -> None:
        self.url = url
        encoding = encoding.strip().lower()
        self._raw_deflate_retry = encoding == "deflate"
        if encoding in ("", "identity"):
            self._d = None
        elif encoding in ("gzip", "x-gzip"):
            self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._d = zlib.decompressobj()
        else:
            raise LoadError(url, f"unsupported content encoding '{encoding}'")

    def _too_big(self) -> LoadError:
        return LoadError(self.url, "decompressed response is over the max_url_bytes limit")

    def feed(self, data: bytes, room: int) -> bytes:
        if self._d is None:
            if len(data) > room:
                raise self._too_big()
            return data
        out: list[bytes] = []
        while data:
            try:
                piece = self._d.decompress(data, room + 1)
            except zlib.error as e:
                if self._raw_deflate_retry and not out:  # some servers send raw deflate without the zlib header
                    self._raw_deflate_retry = False
                    self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise LoadError(self.url, f"corrupt compressed body: {e}") from e
            self._raw_deflate_retry = False
            room -= len(piece)
            if room < 0:
                raise self._too_big()
            out.append(piece)
            data = self._d.unconsumed_tail
        return b"".join(out)

    def finish(self, room: int) -> bytes:
        if self._d is None:
            return b""
        tail = self._d.flush()
        if len(tail) > room:
            raise self._too_big()
        return tail


def load_url(
    url: str, settings: Settings, *, client: httpx.Client | None = None, errors: list[LoadError] | None = None
) -> list[Article]:
    """Fetch a URL and parse it by content type (HTML via trafilatura, PDF, text, Markdown, JSON)."""
    return parse_fetched(fetch_url(url, settings, client=client), url, errors=errors)


def parse_fetched(fetched: Fetched, url: str, *, errors: list[LoadError] | None = None) -> list[Article]:
    """The articles of a fetched document, parsed by its content type; its host names the source."""
    host = httpx.URL(fetched.url).host
    return load_bytes(
        fetched.body,
        CONTENT_TYPES[fetched.content_type],
        name=url,
        source=host.removeprefix("www."),
        url=fetched.url,
        charset=fetched.encoding,
        errors=errors,
    )
