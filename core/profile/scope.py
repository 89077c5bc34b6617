"""Which contributions take part in the audit of one company, by its sector and channels.

A question (checklist item or input fact) belongs to a company when all of these hold:

* its ``sectors``, if any, include the company's ``[company] sector``;
* its ``channels``, if any, include one of the company's ``[company] channels``;
* its ``applies_when``, if it tests ``[company]`` fields only (channels, sector), is not
  false for them.

Whatever the company table alone decides is the company's scope: a profile that gives a
value for a question outside it is refused, with the key path and what the question
requires. Only ``entfällt`` (not applicable, which is true) and ``unbekannt`` (which states
nothing) are accepted there. A precondition that tests other
answers or facts is not scope: a value given for a question it rules out is left out of
the audit and listed as ignored (:mod:`kundenkompass.inference.applicability`), since
answers may disagree with each other. The JSON Schema of a profile says the same
(:mod:`kundenkompass.profile.schemas`).

Rulesets selected by sector take part only in audits of their sector, explicit rulesets in
every audit. For one audit this module

* refuses answers and facts outside the company's scope (naming the key path),
* turns the rulesets' not-applicable marks into "entfällt" answers,
* applies the rulesets' priority changes, shown as a reason of the recommendation,
* leaves other sectors' checklist items and questions out of the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.catalog.labels import label_of, show_value
from kundenkompass.catalog.memo import result_memo
from kundenkompass.catalog.origins import portable_origin
from kundenkompass.catalog.rulesets import PriorityChange, Ruleset, sector_condition
from kundenkompass.errors import ProfileError
from kundenkompass.models import ChecklistItem, FactDefinition, text_in
from kundenkompass.profile.load import Answer, Company, Profile
from kundenkompass.results import Evidence, Firing, OpenQuestion
from kundenkompass.rules.evaluate import evaluate
from kundenkompass.rules.language import AllOf, AnyOf, Condition, Leaf, Not, iter_leaves
from kundenkompass.texts import text
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
    """Refuse known answers and facts outside the company's scope (see the module)."""
    # "entfällt" and "unbekannt" claim nothing the company lacks: both fit any question.
    stated = [
        f"answers.{key}"
        for key, answer in profile.answers.items()
        if answer.value not in (None, "entfaellt")
    ]
    stated += [f"facts.{key}" for key in profile.facts]
    outside = outside_scope(catalog, profile.company)
    for ref in stated:
        if ref in outside:
            problem = scope_problem(ref, catalog, profile.company)
            raise ProfileError(profile.source, problem or "", key_path=ref)


def outside_scope(catalog: Catalog, company: Company) -> frozenset[str]:
    """The questions outside the scope of a company with this sector and these channels,
    remembered per catalog (companies of one shape share them)."""
    key = ("outside-scope", company.sector, company.channels)
    memo = result_memo(catalog)
    found = memo.get(key)
    if found is None:
        refs = [f"answers.{item}" for item in catalog.checklist]
        refs += [f"facts.{fact}" for fact in catalog.facts]
        found = frozenset(ref for ref in refs if scope_problem(ref, catalog, company) is not None)
        memo.put(key, found)
    return found  # type: ignore[no-any-return]


def scope_problem(ref: str, catalog: Catalog, company: Company, language: str = "de") -> str | None:
    """Why the question ``ref`` is outside the company's scope (in German), else None."""
    table, _, key = ref.partition(".")
    entry: ChecklistItem | FactDefinition | None = (
        catalog.checklist.get(key) if table == "answers" else catalog.facts.get(key)
    )
    if entry is None:
        return None
    if entry.sectors and company.sector not in entry.sectors:
        wanted = " oder ".join(f"„{sector}“" for sector in entry.sectors)
        actual = (
            f"das Profil nennt die Branche „{company.sector}“"
            if company.sector
            else "das Profil nennt keine Branche ([company] sector)"
        )
        return f"gilt nur für Unternehmen der Branche {wanted}; {actual}"
    if entry.channels and not set(entry.channels) & set(company.channels):
        wanted = " oder ".join(f"„{text(f'channel.{c}', language)}“" for c in entry.channels)
        return (
            f"gilt nur für Unternehmen mit dem Verkaufskanal {wanted}; "
            f"das Profil nennt unter [company] channels: {_channels(company, language)}"
        )
    condition = catalog.preconditions.get(ref)
    if (
        condition is not None
        and is_company_condition(condition)
        and evaluate(condition, company_values(company)) is False
    ):
        return (
            f"gilt nur, wenn {describe(condition, catalog, language)}; das Profil nennt "
            f"unter [company] channels: {_channels(company, language)}"
            + (f", sector: „{company.sector}“" if company.sector else "")
        )
    return None


#: The tests of ``[company]`` fields that make a precondition part of the company's scope.
COMPANY_TESTS: dict[str, frozenset[str]] = {
    "company.channels": frozenset({"contains", "not_contains", "is_unknown"}),
    "company.sector": frozenset({"equals", "not_equals", "in", "not_in", "is_unknown"}),
}


def is_company_condition(condition: Condition) -> bool:
    """Whether a precondition tests ``[company]`` fields only (then it is scope)."""
    return all(leaf.operator in COMPANY_TESTS.get(leaf.ref, ()) for leaf in iter_leaves(condition))


def company_values(company: Company) -> dict[str, Any]:
    """The company's fields by key path, as preconditions test them."""
    values: dict[str, Any] = {"company.channels": tuple(company.channels)}
    if company.sector is not None:
        values["company.sector"] = company.sector
    return values


def _channels(company: Company, language: str) -> str:
    return ", ".join(f"„{text(f'channel.{c}', language)}“" for c in company.channels)


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
    return [
        q if q.rank == ranks[q.ref] else q.model_copy(update={"rank": ranks[q.ref]})
        for q in visible
    ]


def left_out_items(profile: Profile, catalog: Catalog) -> frozenset[str]:
    """Checklist items outside the company's scope that its profile does not answer.

    A store-only item is no gap of an online shop: unless the profile itself answers it
    (only "entfällt" is accepted there), it is neither an item of the company's checklist
    nor unanswered. The "entfällt" a precondition on ``[company]`` fields gives is not the
    profile's answer either.
    """
    left_out = []
    for ref in outside_scope(catalog, profile.company):
        table, _, key = ref.partition(".")
        answer = profile.answers.get(key)
        if table == "answers" and (answer is None or answer.value != "entfaellt"):
            left_out.append(key)
    return frozenset(left_out)


def asked_in_scope(ref: str, scope: SectorScope, catalog: Catalog) -> bool:
    """Whether the company may be asked for ``ref`` (not the sector, nor another sector's
    checklist item or fact)."""
    if ref == "company.sector":
        return False
    table, _, key = ref.partition(".")
    entry = catalog.checklist.get(key) if table == "answers" else catalog.facts.get(key)
    return entry is None or scope.includes(entry)


# ------------------------------------------------------------------ in German


_PHRASES = {
    "equals": "ist",
    "not_equals": "ist nicht",
    "in": "ist eines von",
    "not_in": "ist keines von",
    "contains": "enthält",
    "not_contains": "enthält nicht",
    "lt": "ist kleiner als",
    "lte": "ist höchstens",
    "gt": "ist größer als",
    "gte": "ist mindestens",
}


def describe(condition: Condition, catalog: Catalog, language: str = "de") -> str:
    """A precondition as a reader of a profile template understands it."""
    if isinstance(condition, Leaf):
        label = label_of(condition.ref, catalog, language).rstrip(".?")
        if condition.ref == "company.channels":
            label = text("applicability.channels", language)
        if condition.operator == "is_unknown":
            key = "unknown" if condition.value else "known"
            return f"„{label}“ " + text(f"applicability.{key}", language)
        values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
        if condition.ref == "company.channels":
            shown = ", ".join(text(f"channel.{v}", language) for v in values)
        else:
            shown = ", ".join(
                show_value(condition.ref, value, catalog, language) for value in values
            )
        return f"„{label}“ {_PHRASES[condition.operator]} {shown}"
    if isinstance(condition, Not):
        return (
            text("applicability.not", language)
            + f" ({describe(condition.condition, catalog, language)})"
        )
    joiner = text(
        "applicability.and" if isinstance(condition, AllOf) else "applicability.or", language
    )
    parts = [describe(child, catalog, language) for child in condition.conditions]
    inner = f" {joiner} ".join(parts)
    return inner if len(parts) == 1 else f"({inner})" if isinstance(condition, AnyOf) else inner
