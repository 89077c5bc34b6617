"""What makes the web app safe to expose: access token, CSRF, host check, body limit,
response headers.

* Bound to a loopback address (the default), the app needs no login; requests must name a
  loopback host (``Host: 127.0.0.1:8000``, ``localhost``), so that a web page cannot reach
  the app through DNS rebinding.
* Bound to any other address, ``audit serve`` refuses to start without an access token
  (``--token`` or ``KUNDENKOMPASS_TOKEN``). Browsers then sign in once on ``/anmelden``
  (a signed, HttpOnly, SameSite=Strict cookie); programs send ``Authorization: Bearer``.
* Every form carries a CSRF token that must match a SameSite=Strict cookie (double submit),
  and a cross-site ``Origin`` is refused.
* Request bodies are counted as they arrive and refused beyond the limit.
* Pages forbid scripts, frames and foreign requests by Content-Security-Policy, and are
  never cached (they hold the shop's answers).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from kundenkompass.errors import KundenkompassError
from kundenkompass.tools.web.state import derive_key, random_secret

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Environment variables of the access token and the signing secret.
TOKEN_VARIABLE = "KUNDENKOMPASS_TOKEN"
SECRET_VARIABLE = "KUNDENKOMPASS_WEB_SECRET"
#: Shortest access token accepted.
MIN_TOKEN_LENGTH = 16
CSRF_COOKIE = "kundenkompass_csrf"
CSRF_FIELD = "csrf"
LOGIN_COOKIE = "kundenkompass_anmeldung"
#: Seconds a sign-in lasts.
LOGIN_SECONDS = 12 * 3600
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
#: The reports' own policy: inline styles and SVG only (see render/templates/_head.html).
REPORT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Not no-referrer: Chromium then sends "Origin: null" with every form post.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def is_loopback(host: str) -> bool:
    """Whether a bind address or host name is the local machine only."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class WebSettings:
    """How the web app is protected; :func:`for_bind_address` picks them for a bind."""

    #: Signs the state, the sign-in and derives nothing else; random per start by default.
    secret: str = field(default_factory=random_secret)
    #: Access token; None serves without sign-in (only allowed on loopback).
    token: str | None = None
    #: Host names a request may name (None: any). Loopback binds allow loopback names only.
    allowed_hosts: frozenset[str] | None = None
    #: Whether "Website prüfen" may fetch private, loopback and link-local addresses.
    allow_private_sites: bool = True
    max_body_bytes: int = 1024 * 1024
    #: Where audits are kept on the server; None keeps nothing (the default).
    data_dir: Path | None = None


class SettingsError(KundenkompassError):
    """Settings that would expose the app unprotected; the message is German."""

    exit_code = 2


def for_bind_address(
    host: str,
    *,
    token: str | None,
    secret: str | None,
    max_body_bytes: int,
    data_dir: Path | None = None,
) -> WebSettings:
    """The settings for serving on ``host``: loopback without sign-in and with the host
    check; any other address only with a token, and "Website prüfen" kept to public sites."""
    loopback = is_loopback(host)
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise SettingsError(
            f"das Zugangstoken ist zu kurz (mindestens {MIN_TOKEN_LENGTH} Zeichen); "
            'zum Beispiel: python3 -c "import secrets; print(secrets.token_urlsafe(24))"'
        )
    if not loopback and not token:
        raise SettingsError(
            f"auf der Adresse {host} wäre der Dienst von anderen Rechnern erreichbar: "
            f"starten Sie ihn mit einem Zugangstoken (--token oder {TOKEN_VARIABLE}) "
            "oder auf 127.0.0.1"
        )
    if data_dir is not None and not data_dir.is_dir():
        raise SettingsError(f"das Datenverzeichnis {data_dir} gibt es nicht")
    chosen_secret = secret or (derive_key(token, "secret").hex() if token else random_secret())
    return WebSettings(
        secret=chosen_secret,
        token=token,
        allowed_hosts=LOOPBACK_NAMES if loopback else None,
        allow_private_sites=loopback,
        max_body_bytes=max_body_bytes,
        data_dir=data_dir,
    )


# ----------------------------------------------------------------------- sign-in


class Login:
    """The sign-in cookie and the token check."""

    def __init__(self, settings: WebSettings) -> None:
        self.token = settings.token
        key = derive_key(settings.token or settings.secret, "login")
        self._signer = TimestampSigner(key, salt="kundenkompass.web.login")

    @property
    def required(self) -> bool:
        return self.token is not None

    def token_matches(self, offered: str) -> bool:
        if self.token is None:
            return True
        return hmac.compare_digest(offered.encode("utf-8"), self.token.encode("utf-8"))

    def cookie_value(self) -> str:
        return self._signer.sign(secrets.token_urlsafe(8)).decode("ascii")

    def cookie_valid(self, value: str | None) -> bool:
        if not value:
            return False
        try:
            self._signer.unsign(value, max_age=LOGIN_SECONDS)
        except (BadSignature, SignatureExpired):
            return False
        return True

    def bearer_valid(self, header: str | None) -> bool:
        if not header or not header.lower().startswith("bearer "):
            return False
        return self.token_matches(header[7:].strip())


# -------------------------------------------------------------------------- CSRF


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(cookie: str | None, submitted: str | None) -> bool:
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(cookie.encode("utf-8"), submitted.encode("utf-8"))


def same_origin(origin: str | None, host: str | None) -> bool:
    """A missing or opaque Origin is accepted (the CSRF token decides; privacy settings send
    ``null``); any other must name the host the request was sent to."""
    if not origin or origin == "null":
        return True
    if not host:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


def host_name(host_header: str) -> str:
    """``127.0.0.1`` of ``127.0.0.1:8000``, ``::1`` of ``[::1]:8000``."""
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")].lower()
    return host_header.rsplit(":", 1)[0].lower() if ":" in host_header else host_header.lower()


# ------------------------------------------------------------------ website check


def public_site(url: str) -> bool:
    """Whether every address the URL's host resolves to is public (not loopback, private,
    link-local or reserved): an exposed app must not fetch its own network for strangers."""
    host = urlsplit(url).hostname
    if not host:
        return False
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return True  # the crawl reports the DNS failure in German
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return False
    return True


# -------------------------------------------------------------------- body limit


class BodyTooLarge(KundenkompassError):
    """A form post larger than the limit (raised while its body arrives)."""

    exit_code = 2


class BodyLimit:
    """ASGI middleware: counts the body of form posts to the web app as it arrives."""

    def __init__(self, app: ASGIApp, limit: int, paths: frozenset[str]) -> None:
        self.app = app
        self.limit = limit
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        received = 0
        limit = self.limit

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, counting, send)
