"""From findings to a profile: values with their evidence, merged under the advisor's answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import tomlkit
from kundenkompass.catalog.catalog import Catalog
from kundenkompass.models import FactType
from kundenkompass.profile.load import parse_profile_text
from kundenkompass.tools.collect.detect import Finding
from kundenkompass.vocabulary import CHANNELS
from tomlkit.items import Item, Table

SNIPPET_LIMIT = 200


@dataclass(frozen=True)
class Contradiction:
    """A value the advisor's profile states that the website contradicts."""

    key: str
    profile_value: Any
    website_value: Any
    url: str
    snippet: str


@dataclass(frozen=True)
class CollectedProfile:
    text: str
    #: Findings that went into the profile or its evidence table.
    findings: tuple[Finding, ...]
    contradictions: tuple[Contradiction, ...]
    #: Findings left out, with the reason (a key the plugins do not know, a channel the shop lacks).
    skipped: tuple[tuple[Finding, str], ...]


def _comment(finding: Finding) -> str:
    snippet = " ".join(finding.snippet.split())
    return f"Website: {finding.url} – „{snippet}“"


def _agrees(profile_value: Any, website_value: Any, kind: FactType | None) -> bool:
    if kind is FactType.ENUM_LIST and isinstance(profile_value, list):
        # The website shows a lower bound: what it shows must be in the profile's list.
        return set(website_value) <= set(profile_value)
    if isinstance(profile_value, dict):  # an answer with a note
        profile_value = profile_value.get("antwort")
    return bool(profile_value == website_value)


def _channels(findings: Iterable[Finding]) -> list[str]:
    found = {f.key.rsplit(".", 1)[1] for f in findings if f.key.startswith("company.channels.")}
    return [channel for channel in CHANNELS if channel in found]


def build_profile(
    findings: Iterable[Finding],
    catalog: Catalog,
    *,
    site_url: str,
    base_text: str | None = None,
    base_source: str = "<profile>",
) -> CollectedProfile:
    """A profile TOML from the findings; with ``base_text``, the advisor's answers win."""
    findings = list(findings)
    document = tomlkit.parse(base_text) if base_text is not None else tomlkit.document()
    if base_text is None:
        document.add(tomlkit.comment("Profil aus der Website-Prüfung (audit collect)."))
        document.add(tomlkit.comment("Bitte prüfen und ergänzen; danach: audit run <diese Datei>"))
        document.add(tomlkit.nl())
    company = _table(document, "company")
    contradictions: list[Contradiction] = []
    skipped: list[tuple[Finding, str]] = []
    used: list[Finding] = []

    by_key = {f.key: f for f in findings}
    for key in ("company.name", "company.location"):
        finding = by_key.get(key)
        if finding is None:
            continue
        field_name = key.split(".")[1]
        used.append(finding)
        if field_name not in company:
            company.add(field_name, finding.value)
            _annotate(company, field_name, _comment(finding))
    channels = _channels(findings)
    channel_findings = [f for f in findings if f.key.startswith("company.channels.")]
    used.extend(channel_findings)
    if "channels" in company:
        stated = [str(c) for c in company["channels"]]
        for finding in channel_findings:
            channel = finding.key.rsplit(".", 1)[1]
            if channel not in stated:
                contradictions.append(
                    Contradiction("company.channels", stated, channel, finding.url, finding.snippet)
                )
        effective = stated
    elif channels:
        company.add("channels", channels)
        _annotate(company, "channels", "; ".join(_comment(f) for f in channel_findings)[:300])
        effective = channels
    else:
        effective = []

    for finding in findings:
        if finding.key.startswith("company."):
            continue
        section, _, name = finding.key.partition(".")
        definition = catalog.subjects.get(finding.key)
        if definition is None or definition.source != "input":
            skipped.append((finding, "kein Eintrag der geladenen Plugins"))
            continue
        if definition.channels and effective and not set(definition.channels) & set(effective):
            skipped.append((finding, "gilt nicht für die Kanäle des Unternehmens"))
            continue
        value = finding.value
        if definition.type is FactType.ENUM_LIST:
            value = [v for v in value if v in definition.values]
            if not value:
                skipped.append((finding, "kein bekannter Wert"))
                continue
            finding = Finding(finding.key, value, finding.url, finding.snippet)
        used.append(finding)
        table = _table(document, section)
        if name in table:
            if not _agrees(table.item(name).unwrap(), value, definition.type):
                contradictions.append(
                    Contradiction(
                        finding.key,
                        table.item(name).unwrap(),
                        value,
                        finding.url,
                        finding.snippet,
                    )
                )
            continue
        table.add(name, value)
        _annotate(table, name, _comment(finding))

    evidence = tomlkit.aot()
    for finding in used:
        entry = tomlkit.table()
        entry.add("key", finding.key)
        entry.add("value", finding.value)
        entry.add("url", finding.url)
        entry.add("snippet", " ".join(finding.snippet.split())[:SNIPPET_LIMIT])
        evidence.append(entry)
    if "website_evidence" in document:
        del document["website_evidence"]
    document.add(tomlkit.nl())
    document.add(
        tomlkit.comment(
            f"Was die Website {site_url} zeigt; audit run vergleicht es mit den Angaben oben."
        )
    )
    document.add("website_evidence", evidence)
    text = tomlkit.dumps(document)
    # Never write a profile that audit run would refuse.
    parse_profile_text(text, catalog, base_source) if effective else None
    return CollectedProfile(text, tuple(used), tuple(contradictions), tuple(skipped))


def _annotate(table: Table, key: str, comment: str) -> None:
    item = table.item(key)
    if isinstance(item, Item):
        item.comment(comment)


def _table(document: tomlkit.TOMLDocument, name: str) -> Table:
    if name not in document:
        document.add(name, tomlkit.table())
    table = document[name]
    assert isinstance(table, Table)
    return table
