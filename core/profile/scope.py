"""Which contributions take part in the audit of one company, by its sector.

Facts, checklist items and measures with ``sectors`` belong to companies whose
``[company] sector`` is one of them; without ``sectors`` they belong to every company.
Rulesets selected by sector take part only in audits of their sector, explicit rulesets in
every audit. For one audit this module

* refuses answers and facts meant for other sectors (naming the key path),
* turns the rulesets' not-applicable marks into "entfällt" answers,
* applies the rulesets' priority changes, shown as a reason of the recommendation,
* leaves other sectors' checklist items and questions out of the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.catalog.labels import label_of, show_value
from kundenkompass.catalog.origins import portable_origin
from kundenkompass.catalog.rulesets import PriorityChange, Ruleset, sector_condition
from kundenkompass.errors import ProfileError
from kundenkompass.models import ChecklistItem, FactDefinition, text_in
from kundenkompass.profile.load import Answer, Profile
from kundenkompass.results import Evidence, Firing, OpenQuestion
from kundenkompass.vocabulary import Priority


class Scoped(Protocol):
    @property
    def sectors(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class SectorScope:
    """The sector of the audited company and the rulesets that apply to it."""

    sector: str | None
    rulesets: tuple[Ruleset, ...]

    def includes(self, entry: Scoped) -> bool:
        return not entry.sectors or self.sector in entry.sectors

    def priority_changes(self) -> dict[str, tuple[PriorityChange, Ruleset]]:
        """Measure id → the change that applies; an explicit ruleset's change wins."""
        changes: dict[str, tuple[PriorityChange, Ruleset]] = {}
        ordered = sorted(self.rulesets, key=lambda r: (r.selection != "explicit", r.name))
        for ruleset in ordered:
            for change in ruleset.priority_changes:
                changes.setdefault(change.measure, (change, ruleset))
        return changes


def scope_for(profile: Profile, catalog: Catalog) -> SectorScope:
    sector = profile.company.sector
    return SectorScope(
        sector=sector,
        rulesets=tuple(ruleset for ruleset in catalog.rulesets if ruleset.applies_to(sector)),
    )


def check_profile(profile: Profile, catalog: Catalog, scope: SectorScope) -> None:
    """Refuse answers and facts that belong to other sectors."""
    stated: list[tuple[str, str, ChecklistItem | FactDefinition | None]]
    stated = [("answers", key, catalog.checklist.get(key)) for key in profile.answers]
    stated += [("facts", key, catalog.facts.get(key)) for key in profile.facts]
    for table, key, entry in stated:
        if entry is None or scope.includes(entry):
            continue
        wanted = ", ".join(f'"{sector}"' for sector in entry.sectors)
        actual = (
            f'die Branche des Profils ist "{scope.sector}"'
            if scope.sector
            else "das Profil nennt keine Branche (sector in [company])"
        )
        raise ProfileError(
            profile.source,
            f"gilt nur für Unternehmen der Branche {wanted}; {actual}",
            key_path=f"{table}.{key}",
        )


def mark_not_applicable(profile: Profile, scope: SectorScope, language: str = "de") -> Profile:
    """The profile with the applying rulesets' not-applicable items answered "entfällt"."""
    answers = dict(profile.answers)
    changed = False
    for ruleset in scope.rulesets:
        for mark in ruleset.not_applicable:
            current = answers.get(mark.item)
            if current is not None and current.value == "entfaellt":
                continue
            answers[mark.item] = Answer(value="entfaellt", note=text_in(mark.reason, language))
            changed = True
    if not changed:
        return profile
    return profile.model_copy(update={"answers": dict(sorted(answers.items()))})


def adjust_priorities(
    priorities: dict[str, Priority],
    by_measure: Mapping[str, list[Firing]],
    scope: SectorScope,
    catalog: Catalog,
    language: str = "de",
) -> dict[str, list[Firing]]:
    """Apply priority changes to recommended measures, in place in ``priorities``.

    Returns the reasons per measure with each effective change appended as a reason of its
    own, so that the report says why the priority differs from the rules' priority.
    """
    reasons = {measure: list(found) for measure, found in by_measure.items()}
    for measure, (change, ruleset) in scope.priority_changes().items():
        if measure not in priorities or change.apply(priorities[measure]) == priorities[measure]:
            continue
        priorities[measure] = change.apply(priorities[measure])
        evidence = []
        if not ruleset.all_sectors:
            ref = "company.sector"
            evidence.append(
                Evidence(
                    ref=ref,
                    label=label_of(ref, catalog, language).rstrip(".?"),
                    value=scope.sector,
                    shown=show_value(ref, scope.sector, catalog, language),
                    test=sector_condition(ruleset.sector).describe(),
                )
            )
        reasons[measure].append(
            Firing(
                rule=change.id,
                plugin=ruleset.plugin_name,
                origin=portable_origin(str(ruleset.path)),
                priority=priorities[measure],
                reason=text_in(change.reason, language),
                evidence=evidence,
            )
        )
    return reasons


def visible_questions(
    questions: list[OpenQuestion], scope: SectorScope, catalog: Catalog
) -> list[OpenQuestion]:
    """Leave out questions for other sectors, and the sector itself.

    The sector is not asked as an open question: it selects content rather than being an
    answer, and ``audit plugins`` lists the sectors there is content for.
    """
    visible = [q for q in questions if asked_in_scope(q.ref, scope, catalog)]
    # Ranks count the questions shown: 1 to n without gaps.
    ranks = {q.ref: n for n, q in enumerate(sorted(visible, key=lambda q: q.rank), start=1)}
    return [q.model_copy(update={"rank": ranks[q.ref]}) for q in visible]


def asked_in_scope(ref: str, scope: SectorScope, catalog: Catalog) -> bool:
    """Whether the company may be asked for ``ref`` (not the sector, nor another sector's
    checklist item or fact)."""
    if ref == "company.sector":
        return False
    table, _, key = ref.partition(".")
    entry = catalog.checklist.get(key) if table == "answers" else catalog.facts.get(key)
    return entry is None or scope.includes(entry)
