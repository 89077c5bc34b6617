"""Fetching a retailer's website politely: robots.txt, same-site pages only, bounded in every way."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
from kundenkompass import __version__
from kundenkompass.errors import KundenkompassError
from protego import Protego
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from w3lib.encoding import html_to_unicode

USER_AGENT = (
    f"Kundenkompass/{__version__} (audit collect; +https://pypi.org/project/kundenkompass/)"
)
#: The product token robots.txt rules are matched against.
ROBOTS_AGENT = "Kundenkompass"

MAX_PAGES = 12
MAX_BYTES = 2_000_000
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 5
HTML_TYPES = ("text/html", "application/xhtml+xml")


class CollectError(KundenkompassError):
    """The website could not be checked: unreachable, refused, not HTML, or too large."""

    exit_code = 2

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        self.message = message
        super().__init__(f"{url}: {message}")


@dataclass(frozen=True)
class Page:
    """One fetched HTML page."""

    url: str
    html: str
    status: int


@dataclass
class Crawl:
    """What a crawl fetched and what it saw but did not fetch."""

    start_url: str
    pages: list[Page] = field(default_factory=list)
    #: Same-site pages that robots.txt does not allow; never fetched.
    disallowed: list[str] = field(default_factory=list)
    #: Links to other sites (evidence, never fetched).
    external_links: list[str] = field(default_factory=list)


def site_of(url: str) -> str:
    """The host (and a non-default port) a URL belongs to, without a leading ``www.``.

    http and https on their default ports count as one site, as a redirect to https is common.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port
    if port is None or (parts.scheme, port) in (("http", 80), ("https", 443)):
        return host
    return f"{host}:{port}"


def normalized(url: str) -> str:
    """A URL without its fragment and with an explicit path."""
    url = urldefrag(url)[0]
    parts = urlsplit(url)
    if not parts.path:
        url = parts._replace(path="/").geturl()
    return url


def _describe_transport_error(error: Exception) -> str:
    """A German description of why a connection failed (DNS, TLS, refused, timeout)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    if isinstance(error, httpx.TimeoutException):
        return f"keine Antwort innerhalb von {TIMEOUT_SECONDS:.0f} Sekunden"
    for cause in chain:
        if isinstance(cause, socket.gaierror):
            return "der Name der Website lässt sich nicht auflösen (DNS)"
        if isinstance(cause, ssl.SSLError):
            return "die sichere Verbindung (TLS) ist fehlgeschlagen"
    text = " ".join(str(cause) for cause in chain).lower()
    if (
        "name or service not known" in text
        or "nodename nor servname" in text
        or "getaddrinfo" in text
    ):
        return "der Name der Website lässt sich nicht auflösen (DNS)"
    if "ssl" in text or "tls" in text or "certificate" in text:
        return "die sichere Verbindung (TLS) ist fehlgeschlagen"
    if "refused" in text:
        return "die Verbindung wurde abgelehnt"
    return "die Website ist nicht erreichbar"


class Crawler:
    """Fetches a start page and a bounded number of same-site pages linked from it."""

    def __init__(
        self,
        *,
        max_pages: int = MAX_PAGES,
        max_bytes: int = MAX_BYTES,
        timeout: float = TIMEOUT_SECONDS,
        priority_words: Iterable[str] = (),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.max_pages = max_pages
        self.max_bytes = max_bytes
        self.priority_words = tuple(word.lower() for word in priority_words)
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"},
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
        )
        self._robots: dict[str, Protego | None] = {}

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Crawler:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ robots.txt

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        robots = self._robots[origin]
        # No robots.txt (or a 4xx) allows everything; an unreachable one allows nothing (RFC 9309).
        return True if robots is None else bool(robots.can_fetch(url, ROBOTS_AGENT))

    def _read_robots(self, origin: str) -> Protego | None:
        # A site that cannot be reached says so here already, with the reason (DNS, TLS, …).
        response = self._get(f"{origin}/robots.txt", html_only=False)
        if response is None or 400 <= response[1] < 500:
            return None
        if response[1] >= 500:
            return Protego.parse("User-agent: *\nDisallow: /\n")
        return Protego.parse(response[0])

    # ------------------------------------------------------------------ fetching

    def _get(self, url: str, *, html_only: bool) -> tuple[str, int, str] | None:
        """Text, status and final URL of ``url``, following same-site redirects; None if not HTML."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                with self.client.stream("GET", current) as response:
                    if response.is_redirect:
                        target = normalized(urljoin(current, response.headers.get("location", "")))
                        if site_of(target) != site_of(url) or urlsplit(target).scheme not in (
                            "http",
                            "https",
                        ):
                            raise CollectError(
                                url, f"leitet auf eine andere Website um ({site_of(target)})"
                            )
                        current = target
                        continue
                    content_type = response.headers.get("content-type", "")
                    if html_only and response.status_code < 400:
                        mime = content_type.split(";")[0].strip().lower()
                        if mime and mime not in HTML_TYPES:
                            return None
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) > self.max_bytes:
                            raise CollectError(
                                current,
                                f"die Seite ist größer als {self.max_bytes // 1_000_000} MB",
                            )
                    _, text = html_to_unicode(content_type or None, bytes(body))
                    return text, response.status_code, current
            except httpx.HTTPError as error:
                raise CollectError(current, _describe_transport_error(error)) from None
        raise CollectError(url, f"mehr als {MAX_REDIRECTS} Weiterleitungen")

    def fetch(self, url: str) -> Page | None:
        """One page, or None when robots.txt forbids it, it is not HTML, or it is an error page."""
        got = self._get(url, html_only=True)
        if got is None:
            return None
        text, status, final_url = got
        if status >= 400:
            return None
        return Page(url=final_url, html=text, status=status)

    def crawl(self, start_url: str) -> Crawl:
        """The start page, then same-site pages it links to, most useful first."""
        start_url = normalized(start_url)
        scheme = urlsplit(start_url).scheme
        if scheme not in ("http", "https") or not urlsplit(start_url).hostname:
            raise CollectError(start_url, "erwartet eine Adresse mit http:// oder https://")
        result = Crawl(start_url=start_url)
        if not self.allowed(start_url):
            raise CollectError(start_url, "robots.txt erlaubt das Abrufen der Startseite nicht")
        got = self._get(start_url, html_only=True)
        if got is None:
            raise CollectError(start_url, "die Antwort ist keine HTML-Seite")
        text, status, final_url = got
        if status >= 400:
            raise CollectError(start_url, f"die Website antwortet mit dem Status {status}")
        start = Page(url=final_url, html=text, status=status)
        result.pages.append(start)
        seen = {normalized(start_url), normalized(final_url)}
        internal, external = self._links(start)
        result.external_links = external
        for link in internal:
            if len(result.pages) >= self.max_pages:
                break
            if link in seen:
                continue
            seen.add(link)
            try:
                if not self.allowed(link):
                    result.disallowed.append(link)
                    continue
                page = self.fetch(link)
            except CollectError:
                # A broken subpage is no reason to give up on the site.
                continue
            if page is not None:
                result.pages.append(page)
        return result

    def _links(self, page: Page) -> tuple[list[str], list[str]]:
        """Same-site links ordered by usefulness, and links to other sites."""
        tree = HTMLParser(page.html)
        internal: dict[str, tuple[int, int]] = {}
        external: dict[str, None] = {}
        for position, anchor in enumerate(tree.css("a[href]")):
            href = (anchor.attributes.get("href") or "").strip()
            target = normalized(urljoin(page.url, href))
            if urlsplit(target).scheme not in ("http", "https"):
                continue
            if site_of(target) != site_of(page.url):
                external.setdefault(target, None)
                continue
            words = f"{anchor.text(strip=True)} {urlsplit(target).path}".lower()
            rank = next(
                (i for i, word in enumerate(self.priority_words) if word in words),
                len(self.priority_words),
            )
            internal.setdefault(target, (rank, position))
        ordered = sorted(internal, key=lambda url: internal[url])
        return ordered, list(external)
