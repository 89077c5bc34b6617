"""The self-assessment beside the website: what a profile states and what its website shows."""

from __future__ import annotations

from typing import Any

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.models import FactType, text_in
from kundenkompass.profile.load import Profile
from kundenkompass.results import WebsiteCheck

_COMPANY_LABELS = {
    "company.name": "Name des Unternehmens",
    "company.location": "Ort",
    "company.channels.laden": "Ladengeschäft",
    "company.channels.onlineshop": "Onlineshop",
}


def _profile_value(profile: Profile, key: str) -> Any:
    section, _, name = key.partition(".")
    if section == "answers":
        return profile.answer(name)
    if section == "facts":
        value = profile.facts.get(name)
        return list(value) if isinstance(value, tuple) else value
    if key.startswith("company.channels."):
        return key.rsplit(".", 1)[1] in profile.company.channels
    return getattr(profile.company, name, None)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _agrees(profile_value: Any, website_value: Any, kind: FactType | None) -> bool | None:
    if profile_value is None:
        return None
    if kind is FactType.ENUM_LIST and isinstance(website_value, list | tuple):
        # A website shows a lower bound of a list: what it shows must be in the profile's list.
        return set(website_value) <= set(profile_value or [])
    return bool(profile_value == website_value)


def website_checks(profile: Profile, catalog: Catalog, language: str) -> list[WebsiteCheck]:
    """One entry per piece of website evidence the profile carries, in the profile's order."""
    checks: list[WebsiteCheck] = []
    for evidence in profile.website_evidence:
        definition = catalog.subjects.get(evidence.key)
        if definition is not None:
            label = text_in(definition.question, language)
            kind: FactType | None = definition.type
        else:
            label = _COMPANY_LABELS.get(evidence.key, evidence.key)
            kind = None
        profile_value = _profile_value(profile, evidence.key)
        checks.append(
            WebsiteCheck(
                key=evidence.key,
                label=label,
                website_value=_plain(evidence.value),
                profile_value=profile_value,
                agrees=_agrees(profile_value, evidence.value, kind),
                url=evidence.url,
                snippet=evidence.snippet,
            )
        )
    return checks
