"""Fixture websites served on 127.0.0.1 for `audit collect` tests: several archetypes of retailers."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Response:
    body: bytes | str
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Site:
    """A running fixture site: its base URL and every path that was requested."""

    base: str
    requested: list[str]


@contextmanager
def serve(pages: Mapping[str, Response]) -> Iterator[Site]:
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            response = pages.get(self.path)
            if response is None:
                response = Response("<h1>Nicht gefunden</h1>", status=404)
            body = (
                response.body.encode("utf-8") if isinstance(response.body, str) else response.body
            )
            self.send_response(response.status)
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_address[1]}", requested)
    finally:
        server.shutdown()
        server.server_close()


def page(title: str, body: str, head: str = "") -> str:
    return (
        "<!doctype html><html lang=de><head><meta charset=utf-8>"
        f"<title>{title}</title>{head}</head><body>{body}</body></html>"
    )


VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'

# A bookshop with a store: schema.org JSON-LD with address, hours, phone, e-mail and social profiles.
STORE_JSONLD = {
    "/": Response(
        page(
            "Buchhandlung Seitenwind – Ihre Buchhandlung in Münster",
            """
            <header><a href="/kontakt">Kontakt</a> <a href="/termine">Lesungen</a>
            <a href="/impressum">Impressum</a></header>
            <h1>Willkommen bei Seitenwind</h1>
            <p>Bücher online reservieren und im Laden abholen – noch am selben Tag.</p>
            <p>Im Laden zahlen Sie bar, mit girocard oder kontaktlos.</p>
            <form action="/newsletter" method="post"><label>Newsletter abonnieren
              <input type="email" name="email"></label><button>Anmelden</button></form>
            <footer><a href="https://www.instagram.com/seitenwind_ms">Instagram</a>
            <a href="https://www.facebook.com/seitenwind">Facebook</a></footer>
            """,
            VIEWPORT
            + """<script type="application/ld+json">{"@context": "https://schema.org",
              "@type": "BookStore", "name": "Buchhandlung Seitenwind",
              "address": {"@type": "PostalAddress", "streetAddress": "Ludgeristraße 12",
                          "postalCode": "48143", "addressLocality": "Münster"},
              "telephone": "+49 251 123456", "email": "hallo@seitenwind.example",
              "openingHours": ["Mo-Fr 09:30-19:00", "Sa 09:30-18:00"],
              "sameAs": ["https://www.instagram.com/seitenwind_ms", "https://www.youtube.com/@seitenwind"]}
            </script>""",
        )
    ),
    "/kontakt": Response(
        page(
            "Kontakt",
            """<h1>Kontakt</h1><p>Telefon: 0251 123456</p>
            <a href="mailto:hallo@seitenwind.example">hallo@seitenwind.example</a>
            <a href="https://wa.me/49251123456">WhatsApp</a>
            <form action="/kontakt" method="post"><input name="name"><input type="email" name="mail">
            <textarea name="nachricht"></textarea><button>Senden</button></form>""",
            VIEWPORT,
        )
    ),
    "/impressum": Response(
        page(
            "Impressum", "<p>Buchhandlung Seitenwind, Ludgeristraße 12, 48143 Münster</p>", VIEWPORT
        )
    ),
    "/termine": Response(
        page("Lesungen", "<p>Termin online buchen: Beratung für Lesekreise.</p>", VIEWPORT)
    ),
}

# A webshop on a known shop system, with payment logos and delivery terms; no store.
WEBSHOP = {
    "/": Response(
        page(
            "Weinkontor Rheingau | Online-Shop",
            """
            <nav><a href="/warenkorb">Warenkorb</a> <a href="/zahlung-und-versand">Zahlung und Versand</a>
            <a href="/impressum">Impressum</a></nav>
            <h1>Weine vom Winzer</h1><button class="add-to-cart">In den Warenkorb</button>
            <footer><img src="/paypal.svg" alt="PayPal"><img src="/klarna.svg" alt="Klarna Sofort">
            <img src="/visa.svg" alt="Visa"></footer>
            """,
            VIEWPORT + '<meta name="generator" content="Shopware 6">',
        )
    ),
    "/zahlung-und-versand": Response(
        page(
            "Zahlung und Versand",
            """<h2>Zahlungsarten</h2><ul><li>PayPal</li><li>Kauf auf Rechnung</li><li>Vorkasse</li>
            <li>Kreditkarte (Visa, Mastercard)</li></ul>
            <h2>Versand</h2><p>Standardversand 2–3 Tage, Expressversand am nächsten Werktag.</p>""",
            VIEWPORT,
        )
    ),
    "/impressum": Response(
        page(
            "Impressum",
            "<p>Weinkontor Rheingau GmbH, E-Mail: shop@weinkontor.example</p>",
            VIEWPORT,
        )
    ),
    "/warenkorb": Response(page("Warenkorb", "<p>Ihr Warenkorb ist leer.</p>", VIEWPORT)),
}

# An old site of a hardware store: no viewport, declared as windows-1252 only in a meta tag.
OLD_SITE = {
    "/": Response(
        (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            "<title>Eisenwaren Kr\xe4mer</title></head><body>"
            "<p>Eisenwaren Kr\xe4mer, Hauptstra\xdfe 5, 34117 Kassel</p>"
            "<p>\xd6ffnungszeiten: Mo–Fr 8.00 – 18.00 Uhr, Sa 8 bis 13 Uhr</p>"
            "<p>Tel. 0561 987654</p></body></html>"
        ).encode("cp1252"),
        content_type="text/html",
    ),
}

# A store site with robots.txt rules: /intern/ is disallowed and must never be fetched.
ROBOTS = {
    "/robots.txt": Response(
        "User-agent: *\nDisallow: /intern/\n", content_type="text/plain; charset=utf-8"
    ),
    "/": Response(
        page(
            "Spielwaren Kunterbunt",
            """<a href="/intern/preise">Interne Preise</a> <a href="/kontakt">Kontakt</a>
            <p>Spielwaren Kunterbunt, Marktplatz 3, 79098 Freiburg</p>
            <p>Öffnungszeiten: Mo-Sa 10:00-18:00 Uhr</p>""",
            VIEWPORT,
        )
    ),
    "/intern/preise": Response(page("Intern", "<p>Newsletter</p>")),
    "/kontakt": Response(page("Kontakt", "<p>Telefon: 0761 555123</p>", VIEWPORT)),
}

# Redirects: the start page moves within the site.
REDIRECTING = {
    "/": Response("", status=301, content_type=None, headers={"Location": "/start"}),
    "/start": Response(
        page("Optik Scharf – Ihr Optiker", "<p>Brillen und Kontaktlinsen</p>", VIEWPORT)
    ),
}

# Nothing to find: a page with a name and no contact details, services or shop.
BARE = {"/": Response(page("Baustelle", "<p>Hier entsteht eine neue Website.</p>"))}
