"""From fetched pages to evidence: what the website shows, each finding with its URL and a snippet."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

import extruct
from kundenkompass.files.toml_files import parse_toml_text
from kundenkompass.tools.collect.crawl import Crawl, Page
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

SNIPPET_LENGTH = 120

# Schema.org types whose address and opening hours describe premises customers can visit.
_PLACE_TYPES = re.compile(
    r"(Store|Shop|LocalBusiness|Restaurant|Optician|Pharmacy|Bakery|Florist)$"
)

_PHONE = re.compile(r"(?:tel(?:efon)?|fon|phone)\.?\s*:?\s*(\+?[\d(][\d\s()/.-]{6,}\d)", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.I)
_POSTCODE_TOWN = re.compile(r"\b\d{5}\s+[A-ZÄÖÜ][\wäöüß.-]+")
_STREET = re.compile(
    r"[A-ZÄÖÜ][\wäöüß.-]*(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|markt|ufer)\s+\d+",
    re.I,
)
_HOURS = re.compile(
    r"(?:öffnungszeiten|geöffnet|oeffnungszeiten)[^.]{0,80}?\d{1,2}(?:[:.]\d{2})?\s*(?:-|–|bis)\s*\d{1,2}",
    re.I | re.S,
)
_STORE_CONTEXT = re.compile(
    r"\b(im laden|im geschäft|in unserem geschäft|vor ort|an der kasse|in der filiale)\b", re.I
)


# Control, format and separator characters (escape sequences, bidirectional overrides,
# zero-width characters): website text is hostile data and must not carry them on.
_UNPRINTABLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]"
)


def clean(text: str) -> str:
    """``text`` on one line, without invisible or control characters."""
    return " ".join(_UNPRINTABLE.sub(" ", text).split())


@dataclass(frozen=True)
class Finding:
    """One value the website shows for a profile key, with where and how it was seen."""

    key: str  # a profile key path: "answers.eigene_website", "facts.newsletter", "company.name"
    value: Any
    url: str
    snippet: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "snippet", clean(self.snippet))
        object.__setattr__(self, "url", clean(self.url))
        if isinstance(self.value, str):
            object.__setattr__(self, "value", clean(self.value))


@dataclass
class Signatures:
    """The patterns of ``signatures.toml``, compiled."""

    shop_systems: dict[str, list[re.Pattern[str]]]
    shop_markers: list[re.Pattern[str]]
    social_hosts: dict[str, list[re.Pattern[str]]]
    whatsapp_hosts: list[re.Pattern[str]]
    chat_widgets: list[re.Pattern[str]]
    booking: list[re.Pattern[str]]
    reserve_and_collect: list[re.Pattern[str]]
    newsletter: list[re.Pattern[str]]
    payments_online: dict[str, list[re.Pattern[str]]]
    payments_store: dict[str, list[re.Pattern[str]]]
    payment_section: list[re.Pattern[str]]
    delivery: dict[str, list[re.Pattern[str]]]
    priority_links: list[str] = field(default_factory=list)


def _compile(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    return [re.compile(pattern, re.I) for pattern in patterns]


def _compile_table(table: Mapping[str, Iterable[str]]) -> dict[str, list[re.Pattern[str]]]:
    return {name: _compile(patterns) for name, patterns in table.items()}


def load_signatures() -> Signatures:
    data = parse_toml_text(
        (files("kundenkompass.tools.collect") / "signatures.toml").read_text(encoding="utf-8")
    )
    return Signatures(
        shop_systems=_compile_table(data["shop_systems"]),
        shop_markers=_compile(data["shop_markers"]["patterns"]),
        social_hosts=_compile_table(data["social_hosts"]),
        whatsapp_hosts=_compile(data["whatsapp_hosts"]["patterns"]),
        chat_widgets=_compile(data["chat_widgets"]["patterns"]),
        booking=_compile(data["booking"]["patterns"]),
        reserve_and_collect=_compile(data["reserve_and_collect"]["patterns"]),
        newsletter=_compile(data["newsletter"]["patterns"]),
        payments_online=_compile_table(data["payments_online"]),
        payments_store=_compile_table(data["payments_store"]),
        payment_section=_compile(data["payment_section"]["patterns"]),
        delivery=_compile_table(data["delivery"]),
        priority_links=list(data["priority_links"]["patterns"]),
    )


def snippet_around(text: str, start: int, end: int) -> str:
    """A short, single-line excerpt of ``text`` around a match."""
    margin = max(0, (SNIPPET_LENGTH - (end - start)) // 2)
    left, right = max(0, start - margin), min(len(text), end + margin)
    # Whole words only: move the edges to the nearest spaces outside the match.
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else start
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else end
    excerpt = " ".join(text[left:right].split())
    return excerpt if len(excerpt) <= SNIPPET_LENGTH else excerpt[: SNIPPET_LENGTH - 1] + "…"


def _first_match(patterns: Iterable[re.Pattern[str]], text: str) -> re.Match[str] | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match
    return None


@dataclass
class _PageView:
    """One page parsed once: text, links, scripts, forms, structured data."""

    page: Page
    tree: HTMLParser
    text: str
    links: list[tuple[str, str]]  # (href, link text)
    scripts: str
    structured: list[dict[str, Any]]

    @classmethod
    def of(cls, page: Page) -> _PageView:
        tree = HTMLParser(page.html)
        for node in tree.css("script, style, noscript, template"):
            if node.tag != "script":
                node.decompose()
        scripts = " ".join(
            (node.attributes.get("src") or "") + " " + (node.text() or "")
            for node in tree.css("script")
        )
        scripts += " " + " ".join(node.attributes.get("href") or "" for node in tree.css("link"))
        body = tree.body
        for node in tree.css("script"):
            node.decompose()
        text = " ".join((body.text(separator=" ") if body else "").split())
        links = [
            ((a.attributes.get("href") or "").strip(), " ".join(a.text(separator=" ").split()))
            for a in tree.css("a[href]")
        ]
        try:
            data = extruct.extract(
                page.html, base_url=page.url, syntaxes=["json-ld", "microdata"], uniform=True
            )
        except Exception:
            # Broken structured data is no evidence; the page text still is.
            data = {}
        structured = [
            item
            for syntax in ("json-ld", "microdata")
            for item in _flatten(data.get(syntax, []))
            if isinstance(item, dict)
        ]
        return cls(page, tree, text, links, scripts, structured)


def _flatten(items: Iterable[Any]) -> Iterator[Any]:
    for item in items:
        if isinstance(item, dict) and "@graph" in item:
            yield from _flatten(item["@graph"])
        elif isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def _types(item: Mapping[str, Any]) -> list[str]:
    raw = item.get("@type", [])
    return [str(t) for t in (raw if isinstance(raw, list) else [raw])]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _json_snippet(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return f"{key}: {value!r}"[:SNIPPET_LENGTH] if value is not None else key


class Detector:
    """Turns the pages of a crawl into findings."""

    def __init__(self, signatures: Signatures | None = None) -> None:
        self.signatures = signatures or load_signatures()

    def findings(self, crawl: Crawl) -> list[Finding]:
        views = [_PageView.of(page) for page in crawl.pages]
        found: dict[str, Finding] = {}
        lists: dict[str, dict[str, tuple[str, str]]] = {}

        def note(key: str, value: Any, url: str, snippet: str) -> None:
            found.setdefault(key, Finding(key, value, url, snippet))

        def add(key: str, member: str, url: str, snippet: str) -> None:
            lists.setdefault(key, {}).setdefault(member, (url, snippet))

        start = views[0]
        note("answers.eigene_website", "ja", start.page.url, self._title(start) or start.page.url)
        self._company(views, note)
        self._mobile(views, note)
        contact = self._contact(views, add)
        self._social(views, add)
        shop = self._shop(views, note)
        store = self._store(views, contact, note)
        self._services(views, note, add, shop=shop, store=store)
        for key, members in lists.items():
            url, snippet = next(iter(members.values()))
            note(key, sorted(members), url, snippet)
        return sorted(found.values(), key=lambda finding: finding.key)

    # ------------------------------------------------------------------ parts

    def _title(self, view: _PageView) -> str:
        node = view.tree.css_first("title")
        return " ".join(node.text().split()) if node else ""

    def _company(self, views: list[_PageView], note: Any) -> None:
        for view in views:
            for item in view.structured:
                if any(_PLACE_TYPES.search(t) or t == "Organization" for t in _types(item)):
                    name = item.get("name")
                    if isinstance(name, str) and name.strip():
                        note(
                            "company.name", name.strip(), view.page.url, _json_snippet(item, "name")
                        )
                    address = item.get("address")
                    for entry in _as_list(address):
                        if isinstance(entry, dict) and isinstance(
                            entry.get("addressLocality"), str
                        ):
                            note(
                                "company.location",
                                entry["addressLocality"].strip(),
                                view.page.url,
                                f"addressLocality: {entry['addressLocality']}",
                            )
        start = views[0]
        meta = start.tree.css_first('meta[property="og:site_name"]')
        site_name = (meta.attributes.get("content") or "").strip() if meta else ""
        title = self._title(start)
        name = site_name or re.split(r"\s+[|–—-]\s+", title)[0].strip()
        if name:
            note("company.name", name, start.page.url, site_name or title)

    def _mobile(self, views: list[_PageView], note: Any) -> None:
        start = views[0]
        viewport = start.tree.css_first('meta[name="viewport"]')
        content = (viewport.attributes.get("content") or "") if viewport else ""
        if "width=device-width" in content.replace(" ", "").lower():
            note("facts.website_mobil_optimiert", True, start.page.url, f'viewport: "{content}"')
            return
        # Conclusive: without a viewport declaration phones render the page at desktop width.
        if not any(view.tree.css_first('meta[name="viewport"]') for view in views):
            note(
                "facts.website_mobil_optimiert",
                False,
                start.page.url,
                'keine Viewport-Angabe (<meta name="viewport">) auf den geprüften Seiten',
            )

    def _contact(self, views: list[_PageView], add: Any) -> set[str]:
        """Contact details and contact channels; returns what the site shows of address and hours."""
        shown: set[str] = set()
        for view in views:
            url = view.page.url
            for item in view.structured:
                if not any(_PLACE_TYPES.search(t) or t == "Organization" for t in _types(item)):
                    continue
                if item.get("telephone"):
                    add(
                        "facts.unternehmensinfos_online",
                        "telefon",
                        url,
                        _json_snippet(item, "telephone"),
                    )
                    add(
                        "facts.erreichbarkeit_kanaele",
                        "telefon",
                        url,
                        _json_snippet(item, "telephone"),
                    )
                if item.get("email"):
                    add(
                        "facts.unternehmensinfos_online", "email", url, _json_snippet(item, "email")
                    )
                    add("facts.erreichbarkeit_kanaele", "email", url, _json_snippet(item, "email"))
                if item.get("address"):
                    shown.add("adresse")
                    add(
                        "facts.unternehmensinfos_online",
                        "adresse",
                        url,
                        _json_snippet(item, "address"),
                    )
                if item.get("openingHours") or item.get("openingHoursSpecification"):
                    shown.add("oeffnungszeiten")
                    key = (
                        "openingHours" if item.get("openingHours") else "openingHoursSpecification"
                    )
                    add(
                        "facts.unternehmensinfos_online",
                        "oeffnungszeiten",
                        url,
                        _json_snippet(item, key),
                    )
            for href, label in view.links:
                lower = href.lower()
                if lower.startswith("tel:"):
                    add("facts.unternehmensinfos_online", "telefon", url, f"{label} ({href})")
                    add("facts.erreichbarkeit_kanaele", "telefon", url, f"{label} ({href})")
                elif lower.startswith("mailto:"):
                    add("facts.unternehmensinfos_online", "email", url, f"{label} ({href})")
                    add("facts.erreichbarkeit_kanaele", "email", url, f"{label} ({href})")
                elif lower.startswith(("http://", "https://")):
                    host = (urlsplit(href).hostname or "").lower()
                    if any(p.search(host) for p in self.signatures.whatsapp_hosts):
                        add("facts.erreichbarkeit_kanaele", "whatsapp", url, f"{label} ({href})")
            text = view.text
            for pattern, member in ((_PHONE, "telefon"), (_EMAIL, "email")):
                match = pattern.search(text)
                if match:
                    add(
                        "facts.unternehmensinfos_online",
                        member,
                        url,
                        snippet_around(text, *match.span()),
                    )
            street, town = _STREET.search(text), _POSTCODE_TOWN.search(text)
            if street and town:
                shown.add("adresse")
                add(
                    "facts.unternehmensinfos_online",
                    "adresse",
                    url,
                    snippet_around(text, *town.span()),
                )
            hours = _HOURS.search(text)
            if hours:
                shown.add("oeffnungszeiten")
                add(
                    "facts.unternehmensinfos_online",
                    "oeffnungszeiten",
                    url,
                    snippet_around(text, *hours.span()),
                )
            match = _first_match(self.signatures.chat_widgets, view.scripts)
            if match:
                add("facts.erreichbarkeit_kanaele", "chat", url, f"Chat-Widget: {match.group(0)}")
            for form in view.tree.css("form"):
                if self._is_contact_form(form):
                    add(
                        "facts.erreichbarkeit_kanaele",
                        "kontaktformular",
                        url,
                        self._form_snippet(form),
                    )
        return shown

    @staticmethod
    def _form_snippet(form: Node) -> str:
        return " ".join(form.text(separator=" ").split())[:SNIPPET_LENGTH] or "Formular"

    def _is_contact_form(self, form: Node) -> bool:
        text = " ".join([form.text(separator=" "), form.attributes.get("action") or ""]).lower()
        if any(p.search(text) for p in self.signatures.newsletter):
            return False
        has_message = form.css_first("textarea") is not None
        has_reply = (
            form.css_first('input[type="email"]') is not None or "mail" in text or "telefon" in text
        )
        return has_message and has_reply

    def _social(self, views: list[_PageView], add: Any) -> None:
        for view in views:
            targets = [(href, label) for href, label in view.links]
            for item in view.structured:
                targets += [(str(link), "sameAs") for link in _as_list(item.get("sameAs"))]
            for href, label in targets:
                host = (urlsplit(href).hostname or "").lower()
                if not host:
                    continue
                for network, patterns in self.signatures.social_hosts.items():
                    if any(p.search(host) for p in patterns):
                        add(
                            "facts.social_media_kanaele",
                            network,
                            view.page.url,
                            f"{label} ({href})",
                        )

    def _shop(self, views: list[_PageView], note: Any) -> bool:
        for view in views:
            source = view.page.html
            for system, patterns in self.signatures.shop_systems.items():
                match = _first_match(patterns, source)
                if match:
                    note(
                        "company.channels.onlineshop",
                        True,
                        view.page.url,
                        f"Shopsystem {system}: {match.group(0)}",
                    )
                    return True
            haystack = view.text + " " + " ".join(f"{href} {label}" for href, label in view.links)
            match = _first_match(self.signatures.shop_markers, haystack)
            if match:
                note(
                    "company.channels.onlineshop",
                    True,
                    view.page.url,
                    snippet_around(haystack, *match.span()),
                )
                return True
        return False

    def _store(self, views: list[_PageView], shown: set[str], note: Any) -> bool:
        """A postal address with opening hours means premises customers visit."""
        if {"adresse", "oeffnungszeiten"} <= shown:
            for view in views:
                hours = _HOURS.search(view.text)
                if hours:
                    note(
                        "company.channels.laden",
                        True,
                        view.page.url,
                        snippet_around(view.text, *hours.span()),
                    )
                    return True
            note(
                "company.channels.laden",
                True,
                views[0].page.url,
                "Adresse und Öffnungszeiten (schema.org)",
            )
            return True
        return False

    def _services(
        self, views: list[_PageView], note: Any, add: Any, *, shop: bool, store: bool
    ) -> None:
        sig = self.signatures
        for view in views:
            url, text = view.page.url, view.text
            for form in view.tree.css("form"):
                form_text = " ".join(
                    [form.text(separator=" "), form.attributes.get("action") or "", form.html or ""]
                )
                if form.css_first('input[type="email"], input[name*="mail"]') and _first_match(
                    sig.newsletter, form_text
                ):
                    note(
                        "facts.newsletter",
                        True,
                        url,
                        self._form_snippet(form) or "Newsletter-Formular",
                    )
            haystack = (
                text
                + " "
                + " ".join(f"{href} {label}" for href, label in view.links)
                + " "
                + view.scripts
            )
            match = _first_match(sig.booking, haystack)
            if match:
                note(
                    "facts.online_terminbuchung", True, url, snippet_around(haystack, *match.span())
                )
            if store:
                match = _first_match(sig.reserve_and_collect, text)
                if match:
                    note(
                        "facts.reserve_and_collect", True, url, snippet_around(text, *match.span())
                    )
            alts = " ".join(
                (img.attributes.get("alt") or "") + " " + (img.attributes.get("title") or "")
                for img in view.tree.css("img")
            )
            payment_text = self._payment_text(view) + " " + alts
            if shop:
                for method, patterns in sig.payments_online.items():
                    match = _first_match(patterns, payment_text)
                    if match:
                        add(
                            "facts.zahlarten_online",
                            method,
                            url,
                            snippet_around(payment_text, *match.span()),
                        )
                for option, patterns in sig.delivery.items():
                    match = _first_match(patterns, text)
                    if match:
                        add(
                            "facts.lieferoptionen", option, url, snippet_around(text, *match.span())
                        )
            if store:
                for sentence in re.split(r"(?<=[.!?])\s+", text):
                    if not _STORE_CONTEXT.search(sentence):
                        continue
                    for method, patterns in sig.payments_store.items():
                        match = _first_match(patterns, sentence)
                        if match:
                            add(
                                "facts.zahlarten_laden",
                                method,
                                url,
                                snippet_around(sentence, *match.span()),
                            )

    def _payment_text(self, view: _PageView) -> str:
        """The text of a section about payment (heading and what follows), or the page's text."""
        for heading in view.tree.css("h1, h2, h3, h4, h5, h6, dt, strong"):
            title = heading.text(separator=" ")
            if _first_match(self.signatures.payment_section, title):
                parts = [title]
                node = heading.next
                while node is not None and node.tag not in ("h1", "h2", "h3"):
                    parts.append(
                        node.text(separator=" ") if node.tag != "-text" else (node.text() or "")
                    )
                    node = node.next
                parent = heading.parent
                if parent is not None:
                    parts.append(parent.text(separator=" "))
                return " ".join(" ".join(parts).split())
        path = urlsplit(view.page.url).path.lower()
        if any(word in path for word in ("zahlung", "payment", "bezahl")):
            return view.text
        return view.text if _first_match(self.signatures.payment_section, view.text) else ""
