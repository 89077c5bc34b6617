"""Texts shown to every company do not presume channels the company may not have.

A measure with ``channels = []`` is recommended to a store-only shop and to an online-only
shop alike, so its description may name a store, an online shop, a website, a marketplace,
social media or a newsletter only as something the company may have: in the same sentence
as a conditional word ("soweit vorhanden", "wo Sie … haben", "je nachdem, …"). A measure may
speak of a channel as given when it is limited to that channel, when it builds that channel
up, or when it needs the measure that builds it up first. The same holds for the goal and
the needs of a project, which may speak of a channel one of its measures may speak of.

A checklist statement is what the owner's report quotes back (as a strength or a checklist
row), so it may speak of a channel as given only when every company asked the item has it:
the item is limited to that one channel, its precondition asks for the channel, or the item
asks whether the company has it.
"""

from __future__ import annotations

import re

import pytest
from kundenkompass.files.toml_files import tomllib

from .conftest import ROOT

# Words that name a channel, by the channel they presume.
CHANNEL_WORDS = {
    # "Laden Sie … ein" is the verb, not the store.
    "laden": r"\b(Geschäfts?|Laden(?! Sie)|Kasse|Schaufenster|Verkaufsfläche|Öffnungszeiten|Anfahrt)\b",
    "onlineshop": r"Onlineshops?\b(?!-)|Produktseiten?\b|Konfigurator|Warenkorb|Checkout",
    "marktplatz": r"Marktpl(atz|ätze)",
    "website": r"\bWebsite\b",
    "social_media": r"sozialen? (Netzwerk|Medien)|Social-Media",
    "newsletter": r"Newsletter",
}
# A channel named as what the company is not ("kein Onlineshop") is not presumed.
NOT_NEGATED = r"(?<!kein )(?<!keine )(?<!keinen )"
# Words that make a channel optional in the sentence they stand in.
# (also at the start of a sentence: "Wo Sie ein Geschäft haben, …")
CONDITIONAL = re.compile(r"soweit|sofern|falls|je nach|\b[Ww]o Sie\b|\b[Ww]enn Sie\b")
# Measures that build a channel up, and the channels they build.
BUILDS = {
    "eigene_website_erstellen": {"website"},
    "social_media_praesenz_aufbauen": {"social_media"},
    "newsletter_einfuehren": {"newsletter"},
    "produkte_online_anbieten": {"onlineshop", "marktplatz"},
}
# Abbreviations whose full stop does not end a sentence.
ABBREVIATIONS = ("z. B.", "bzw.", "u. a.", "ggf.", "etc.")


def _load(kind: str, pattern: str) -> list[dict]:
    """The ``kind`` tables of the files ``pattern`` matches below the project root."""
    items = []
    for path in sorted(ROOT.glob(pattern)):
        with path.open("rb") as handle:
            items.extend(tomllib.load(handle).get(kind, []))
    return items


# The bundled sector rulesets' measures are offered to every company of the sector, whatever
# its channels.
MEASURES = {
    measure["id"]: measure
    for measure in [
        *_load("measure", "plugins/*/measures.toml"),
        *_load("measure", "rulesets/*.toml"),
    ]
}
PROJECTS = _load("project", "plugins/*/projects.toml")
ITEMS = _load("item", "plugins/*/checklist.toml")
# Items that ask whether the company has a channel, and that channel.
ASKS_FOR_CHANNEL = {"eigene_website": "website", "social_media_praesenz": "social_media"}


def _sentences(text: str) -> list[str]:
    for number, abbreviation in enumerate(ABBREVIATIONS):
        text = text.replace(abbreviation, f"\x00{number}\x00")
    sentences = [part for part in re.split(r"(?<=[.!?])\s+", text) if part]
    for number, abbreviation in enumerate(ABBREVIATIONS):
        sentences = [part.replace(f"\x00{number}\x00", abbreviation) for part in sentences]
    return sentences


def _channels_presumed(text: str) -> set[tuple[str, str]]:
    """(channel, sentence) for each channel a sentence names without a conditional word."""
    found = set()
    for sentence in _sentences(text):
        if CONDITIONAL.search(sentence):
            continue
        for channel, words in CHANNEL_WORDS.items():
            if re.search(NOT_NEGATED + words, sentence):
                found.add((channel, sentence))
    return found


def _presumed_beyond(text: str, allowed: set[str]) -> list[tuple[str, str]]:
    """(channel, sentence) for each channel ``text`` presumes that is not in ``allowed``."""
    return sorted((channel, s) for channel, s in _channels_presumed(text) if channel not in allowed)


def _may_presume(measure: dict) -> set[str]:
    allowed = set(measure.get("channels", []))
    for builder, built in BUILDS.items():
        if measure["id"] == builder or builder in measure.get("prerequisites", []):
            allowed |= built
    return allowed


def _for_everyone(measure: dict) -> bool:
    return not measure.get("channels")


@pytest.mark.parametrize(
    "measure", [m for m in MEASURES.values() if _for_everyone(m)], ids=lambda m: m["id"]
)
def test_a_measure_for_every_company_names_channels_only_as_optional(measure):
    allowed = _may_presume(measure)
    presumed = _presumed_beyond(measure["description"]["de"], allowed)
    assert not presumed, f"{measure['id']} setzt Kanäle voraus: {presumed}"


@pytest.mark.parametrize(
    ("project", "field"),
    [(p, field) for p in PROJECTS for field in ("goal", "needs") if field in p],
    ids=lambda value: value["id"] if isinstance(value, dict) else value,
)
def test_a_project_names_only_channels_its_measures_may_name(project, field):
    allowed = set().union(*(_may_presume(MEASURES[m]) for m in project["measures"]))
    presumed = _presumed_beyond(project[field]["de"], allowed)
    assert not presumed, f"{project['id']} setzt Kanäle voraus: {presumed}"


def _asked_only_with(item: dict) -> set[str]:
    """The channels every company asked ``item`` has."""
    channels = item.get("channels", [])
    found = set(channels) if len(channels) == 1 else set()
    if item["id"] in ASKS_FOR_CHANNEL:
        found.add(ASKS_FOR_CHANNEL[item["id"]])
    condition = item.get("applies_when", {})
    for part in condition.get("all", [condition]):
        if part.get("company") == "channels" and "contains" in part:
            found.add(part["contains"])
        if part.get("answer") in ASKS_FOR_CHANNEL and set(part.get("in", [])) <= {
            "ja",
            "teilweise",
        }:
            found.add(ASKS_FOR_CHANNEL[part["answer"]])
    # Not asked when the company said it has no such channel: answering it says it has one.
    for part in condition.get("not", {}).get("any", []):
        if part.get("answer") in ASKS_FOR_CHANNEL and part.get("equals") == "nein":
            found.add(ASKS_FOR_CHANNEL[part["answer"]])
    return found


@pytest.mark.parametrize("item", ITEMS, ids=lambda item: item["id"])
def test_a_checklist_statement_names_only_channels_of_every_company_asked(item):
    allowed = _asked_only_with(item)
    presumed = _presumed_beyond(item["statement"]["de"], allowed)
    assert not presumed, f"{item['id']} setzt Kanäle voraus: {presumed}"


def test_the_statement_check_knows_who_is_asked():
    shop_and_store = {"id": "x", "channels": ["laden", "onlineshop"]}
    with_website = {"id": "y", "applies_when": {"answer": "eigene_website", "in": ["ja"]}}
    assert _asked_only_with(shop_and_store) == set()
    assert _asked_only_with({"id": "z", "channels": ["laden"]}) == {"laden"}
    assert _asked_only_with(with_website) == {"website"}
    assert _asked_only_with({"id": "eigene_website"}) == {"website"}


def test_the_check_catches_a_channel_stated_as_given():
    said_as_given = "Nennen Sie den Kontakt auf Rechnung, Bestellbestätigung und Website."
    said_as_optional = "Nennen Sie den Kontakt, soweit vorhanden, auf Ihrer Website."
    assert {channel for channel, _ in _channels_presumed(said_as_given)} == {"website"}
    assert not _channels_presumed(said_as_optional)
    assert _sentences("Etwa z. B. im Geschäft. Dann wo Sie eines haben.")[0].endswith("Geschäft.")
