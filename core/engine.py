"""The engine: plugins in, audit results out.

Data flows one way: load profile → plugins contribute (catalog) → compile rules → infer
(durable_rules) → explain, prioritize and score → a typed :class:`AuditResult`.
One engine serves any number of audits, sequentially or from several threads.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import pluggy
from kundenkompass.catalog import plugin_manager
from kundenkompass.catalog.contents import Catalog
from kundenkompass.catalog.fingerprint import catalog_key
from kundenkompass.catalog.memo import result_memo
from kundenkompass.catalog.origins import portable_origin
from kundenkompass.catalog.rulesets import (
    Ruleset,
    bundled_ruleset_paths,
    expand_paths,
    select_rulesets,
)
from kundenkompass.errors import ProfileError
from kundenkompass.files.cache import collector_paused, lookup, store
from kundenkompass.inference import plan
from kundenkompass.inference.applicability import Applicability, apply_preconditions
from kundenkompass.inference.compile import CompiledRules, compile_rules
from kundenkompass.inference.explain import (
    all_known,
    answers_without_measure,
    derived_facts,
    explain_measure,
    firings,
    open_questions,
)
from kundenkompass.inference.prioritize import RULE_PRIORITY, TOP_STEPS, rank
from kundenkompass.inference.runner import RuleRunner
from kundenkompass.inference.score import AuditScores, maturity, overall_score
from kundenkompass.models import ChecklistItem, Measure, text_in
from kundenkompass.profile.known_values import known_values
from kundenkompass.profile.load import (
    Profile,
    load_profile,
    parse_profile_json,
    parse_profile_text,
    validate_profile,
)
from kundenkompass.profile.scope import (
    SectorScope,
    adjust_priorities,
    asked_in_scope,
    check_profile,
    left_out_items,
    mark_not_applicable,
    scope_for,
    visible_questions,
)
from kundenkompass.profile.website import website_checks
from kundenkompass.results import (
    AuditInfo,
    AuditResult,
    ChecklistAnswer,
    CompanyInfo,
    MeasureExplanation,
    PhaseGain,
    PhaseResult,
    PluginUsed,
    Recommendation,
    WhatIf,
)
from kundenkompass.texts import text
from kundenkompass.vocabulary import PHASES
from pydantic import BaseModel

_engine_numbers = itertools.count(1)

ProfileInput = Profile | os.PathLike[str] | str | bytes | Mapping[str, Any] | BaseModel


class Engine:
    """Loads plugins once, compiles their rules once, and audits profiles.

    ``plugins`` are extra plugin objects (modules or instances with ``@hookimpl``
    functions), registered next to the discovered ones; ``discover=False`` uses only them.
    ``rulesets`` are ruleset files (or folders of them), each applied to the audits of its
    sector, or to every audit with ``rulesets_all_sectors``; they replace the bundled and
    plugin-shipped rulesets of the same sector. ``sector_rulesets`` loads the bundled
    rulesets (default: when discovering); rulesets that plugins ship always load. ``skip_broken_plugins`` leaves out a plugin that cannot be
    imported, is incompatible or contributes invalid content, and records it in
    :attr:`skipped_plugins`, instead of raising :class:`PluginError`.
    """

    def __init__(
        self,
        plugins: Iterable[object] = (),
        *,
        discover: bool = True,
        language: str = "de",
        rulesets: Iterable[str | os.PathLike[str] | Ruleset] = (),
        sector_rulesets: bool | None = None,
        rulesets_all_sectors: bool = False,
        skip_broken_plugins: bool = False,
    ) -> None:
        # Building creates many objects that all live as long as the engine: the cyclic
        # collector would walk them over and over while they are made, finding no garbage.
        with collector_paused():
            self.language = language
            manager = plugin_manager.new_plugin_manager()
            infos: list[plugin_manager.PluginInfo] = []
            self.skipped_plugins: list[plugin_manager.SkippedPlugin] = []
            if discover:
                infos, self.skipped_plugins = plugin_manager.register_installed(
                    manager, skip_broken=skip_broken_plugins
                )
            in_code = list(plugins)
            for plugin in in_code:
                info = plugin_manager.info_for_object(plugin)
                plugin_manager.check_hookspec_version(info.name, plugin)
                plugin_manager.register(manager, plugin, info)
                infos.append(info)
            bundled = discover if sector_rulesets is None else sector_rulesets
            rulesets = list(rulesets)
            key = None
            # Plugin objects made in code and Ruleset objects carry state no file shows.
            if not (
                in_code or self.skipped_plugins or any(isinstance(r, Ruleset) for r in rulesets)
            ):
                key = _catalog_key(manager, infos, rulesets, bundled, rulesets_all_sectors)
            built = lookup(CATALOG_CACHE, key, _Built) if key else None
            if built is None:
                built = self._build(
                    manager, infos, rulesets, bundled, rulesets_all_sectors, skip_broken_plugins
                )
                if key and not self.skipped_plugins:
                    store(CATALOG_CACHE, key, built)
            else:
                for ruleset in built.catalog.rulesets:
                    _register_ruleset(manager, ruleset, built.catalog.plugins)
            self.plugin_manager = manager
            self.catalog: Catalog = built.catalog
            self.compiled = built.compiled
            self._runner = RuleRunner(self.compiled, self.catalog, f"engine{next(_engine_numbers)}")

    def _build(
        self,
        manager: pluggy.PluginManager,
        infos: list[plugin_manager.PluginInfo],
        rulesets: Iterable[str | os.PathLike[str] | Ruleset],
        bundled: bool,
        all_sectors: bool,
        skip_broken: bool,
    ) -> _Built:
        """Load the rulesets, collect and validate the catalog and compile its rules."""
        from kundenkompass.catalog.catalog import collect_skipping, gather_rulesets

        skipped = self.skipped_plugins if skip_broken else None
        shipped = gather_rulesets(manager, infos, skipped)
        infos = [info for info in infos if manager.has_plugin(info.name)]
        selected = select_rulesets(
            rulesets, bundled=bundled, shipped=shipped, all_sectors=all_sectors
        )
        for ruleset in selected:
            _register_ruleset(manager, ruleset, infos)
        catalog = collect_skipping(manager, infos, selected, skipped)
        return _Built(catalog, compile_rules(catalog))

    # -------------------------------------------------------------- profiles

    def load_profile(self, profile: ProfileInput, *, source: str | None = None) -> Profile:
        """Accept a validated profile, a path (``os.PathLike``, e.g. ``pathlib.Path``), TOML
        text (``str`` or UTF-8 ``bytes``), a mapping (e.g. parsed JSON) or another pydantic
        model of a profile (see ``audit schema profile``).

        A ``str`` is always TOML text, never a path: reading a file takes a ``Path`` or
        :meth:`load_profile_file`. ``source`` names text and mappings in error messages
        (default ``<profile>``).
        """
        name = source or "<profile>"
        if isinstance(profile, Profile):
            return profile
        if isinstance(profile, os.PathLike):
            return load_profile(profile, self.catalog)
        if isinstance(profile, bytes):
            try:
                profile = profile.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ProfileError(name, f"ist kein UTF-8-Text (Byte {error.start + 1})") from None
            return parse_profile_text(profile, self.catalog, name)
        if isinstance(profile, str):
            try:
                return parse_profile_text(profile, self.catalog, name)
            except ProfileError as error:
                if "\n" in profile.strip() or error.line is None:
                    raise
                # One line that is not TOML: most likely a file name given as str.
                raise ProfileError(
                    name,
                    f"{error.message} (ein str wird als TOML-Text gelesen; um eine Datei zu lesen, "
                    "einen pathlib.Path übergeben oder load_profile_file verwenden)",
                    line=error.line,
                    column=error.column,
                ) from None
        if isinstance(profile, BaseModel):
            profile = profile.model_dump(mode="json", by_alias=True, exclude_none=True)
        if not isinstance(profile, Mapping):
            raise ProfileError(
                name,
                f"erwartet: ein Profil (Mapping, TOML-Text, Path oder Profile), "
                f"erhalten: {type(profile).__name__}",
            )
        return validate_profile(profile, self.catalog, name)

    def load_profile_file(self, path: str | os.PathLike[str]) -> Profile:
        """Read and validate the profile file (TOML) at ``path``."""
        return load_profile(path, self.catalog)

    def load_profile_json(self, text: str | bytes, *, source: str | None = None) -> Profile:
        """Parse and validate a profile given as JSON text (with the input limits applied)."""
        return parse_profile_json(text, self.catalog, source or "<profile>")

    # ---------------------------------------------------------------- audits

    def audit(self, profile: ProfileInput, *, audit: AuditInfo | None = None) -> AuditResult:
        """Audit one profile and return the typed result.

        ``audit`` gives the audit's date, advisor and organisation; what it leaves out is
        taken from the profile's ``[audit]`` table. Without a date the result has none (and
        no follow-up date): it is never taken from the clock.
        """
        loaded = self.load_profile(profile)
        # Decided on the profile as written: marks and preconditions answer items too.
        left_out = left_out_items(loaded, self.catalog)
        profile, scope, applicability = self._in_scope(loaded)
        given = audit.model_dump(exclude_none=True) if audit else {}
        details = AuditInfo(**{**profile.audit.model_dump(exclude_none=True), **given})
        catalog = self.catalog
        known = known_values(profile, catalog)
        inference = self._runner.run(known)
        values = all_known(known, inference)

        channels = set(profile.company.channels)
        applicable = self._applicable_measures(profile.company.channels, scope)
        by_measure = {
            measure: found
            for measure, found in firings(self.compiled, inference, values, catalog).items()
            if measure in applicable
        }
        answers = {item_id: answer.value for item_id, answer in profile.answers.items()}
        scoring = AuditScores(catalog, answers)
        scores = scoring.scores
        overall = overall_score(scores)
        priorities = {
            measure: min((f.priority for f in found), key=lambda p: -RULE_PRIORITY[p])
            for measure, found in by_measure.items()
        }
        by_measure = adjust_priorities(priorities, by_measure, scope, catalog, self.language)
        ranked = rank(catalog, priorities, scores)
        planned = {entry.measure for entry in ranked}
        recommendations = [
            self._recommendation(
                catalog.measures[entry.measure],
                planned,
                entry,
                by_measure[entry.measure],
                scoring,
                overall,
            )
            for entry in ranked
        ]
        included = self._items_in_scope(scope)
        projects = plan.projects(catalog, recommendations, self.language, values)
        phases = [self._phase(phase, profile, scores[phase], scope, left_out) for phase in PHASES]
        return AuditResult(
            company=CompanyInfo(
                name=profile.company.name,
                sector=profile.company.sector,
                sector_title=profile.company.sector_title
                or _sector_title(profile.company.sector, self.catalog, self.language),
                channels=list(profile.company.channels),
                location=profile.company.location,
            ),
            overall_score=overall,
            overall_maturity=maturity(overall),
            phases=phases,
            top_steps=[entry.measure for entry in ranked[:TOP_STEPS]],
            recommendations=recommendations,
            open_questions=visible_questions(
                open_questions(
                    catalog,
                    values,
                    set(by_measure),
                    applicable,
                    channels,
                    set(applicability.ruled_out),
                ),
                scope,
                catalog,
            ),
            ignored_inputs=list(applicability.ignored),
            answers_without_measure=answers_without_measure(
                catalog,
                [(phase.phase, row) for phase in phases for row in phase.checklist],
                recommendations,
                applicable,
                values,
                inference,
            ),
            derived_facts=derived_facts(self.compiled, inference, values, catalog),
            facts={
                key.split(".", 1)[1]: list(v) if isinstance(v, tuple) else v
                for key, v in known.items()
                if key.startswith("facts.")
            },
            plugins=self._plugins_used(),
            rulesets=[self._ruleset_used(ruleset) for ruleset in scope.rulesets],
            website_check=website_checks(profile, catalog, self.language),
            rules_fingerprint=self.compiled.fingerprint,
            audit=details,
            strengths=plan.strengths(catalog, answers, included, self.language),
            projects=projects,
            roadmap=plan.roadmap(projects),
            follow_up_date=plan.follow_up(details.date),
        )

    def explain(self, measure_id: str, profile: ProfileInput) -> MeasureExplanation:
        """Why ``measure_id`` is recommended for ``profile``, or which condition failed.

        The same sector and channel scope applies as in :meth:`audit`: a measure of another
        sector is not applicable, and only questions the profile may answer are open.
        """
        if measure_id not in self.catalog.measures:
            raise ProfileError(
                measure_id,
                f"unbekannte Maßnahme{_did_you_mean(measure_id, self.catalog.measures)}",
            )
        profile, scope, applicability = self._in_scope(self.load_profile(profile))
        known = known_values(profile, self.catalog)
        inference = self._runner.run(known)
        values = all_known(known, inference)
        explanation = explain_measure(
            measure_id,
            self.compiled,
            inference,
            values,
            self.catalog,
            set(profile.company.channels),
            set(applicability.ruled_out),
        )
        measure = self.catalog.measures[measure_id]
        in_sector = scope.includes(measure)
        applicable = explanation.applicable and in_sector
        because = None if applicable else "sector" if not in_sector else "channels"
        return explanation.model_copy(
            update={
                "applicable": applicable,
                "not_applicable_because": because,
                "recommended": explanation.recommended and applicable,
                "sectors": list(measure.sectors),
                "open_inputs": [
                    ref
                    for ref in explanation.open_inputs
                    if applicable and asked_in_scope(ref, scope, self.catalog)
                ],
            }
        )

    def _in_scope(self, profile: Profile) -> tuple[Profile, SectorScope, Applicability]:
        """Check the profile against its sector, apply not-applicable marks and the
        preconditions of questions (``applies_when``)."""
        scope = scope_for(profile, self.catalog)
        check_profile(profile, self.catalog, scope)
        marked = mark_not_applicable(profile, scope, self.language)
        applied, applicability = apply_preconditions(marked, self.catalog, self.language)
        return applied, scope, applicability

    def _phase(
        self,
        phase: str,
        profile: Profile,
        score: float | None,
        scope: SectorScope,
        left_out: AbstractSet[str],
    ) -> PhaseResult:
        items = [
            i
            for i in self.catalog.checklist_for_phase(phase)
            if scope.includes(i) and i.id not in left_out
        ]
        given = [profile.answers.get(item.id) for item in items]
        answers = [answer.value if answer else None for answer in given]
        memo = result_memo(self.catalog)
        rows = []
        for item, answer in zip(items, given, strict=True):
            value, note = (answer.value, answer.note) if answer else (None, None)
            key = ("checklist-row", item.id, value, note, self.language)
            row = memo.get(key)
            if row is None:
                row = memo.put(
                    key,
                    ChecklistAnswer(
                        item=item.id,
                        statement=text_in(item.statement, self.language),
                        answer=value,
                        note=note,
                        weight=item.weight,
                    ),
                )
            rows.append(row)
        return PhaseResult(
            phase=phase,
            title=text(f"phase.{phase}", self.language),
            items=len(items),
            answered=sum(a is not None for a in answers),
            fulfilled=answers.count("ja"),
            partly=answers.count("teilweise"),
            not_fulfilled=answers.count("nein"),
            not_applicable=answers.count("entfaellt"),
            unanswered=answers.count(None),
            score=score,
            maturity=maturity(score),
            checklist=rows,
        )

    def _recommendation(
        self,
        measure: Measure,
        planned: set[str],
        entry: Any,
        found: list[Any],
        scoring: AuditScores,
        overall: float | None,
    ) -> Recommendation:
        return Recommendation(
            **self._measure_texts(measure),
            priority=entry.priority,
            # Only prerequisites that are themselves in the plan: the others need no step.
            prerequisites=[p for p in measure.prerequisites if p in planned],
            quick_win=entry.quick_win,
            score=entry.score,
            horizon=entry.horizon,
            reasons=found,
            what_if=self._what_if(measure, scoring, overall),
        )

    def _applicable_measures(
        self, channels: tuple[str, ...], scope: SectorScope
    ) -> AbstractSet[str]:
        """The measures for a company's channels and sector, per catalog."""
        key = ("applicable-measures", channels, scope.sector)
        memo = result_memo(self.catalog)
        found = memo.get(key)
        if found is None:
            wanted = set(channels)
            found = memo.put(
                key,
                frozenset(
                    m.id
                    for m in self.catalog.measures.values()
                    if _applies(m, wanted) and scope.includes(m)
                ),
            )
        return found  # type: ignore[no-any-return]

    def _items_in_scope(self, scope: SectorScope) -> AbstractSet[str]:
        """The checklist items of the company's sector (and of every sector), per catalog."""
        key = ("items-in-scope", scope.sector)
        memo = result_memo(self.catalog)
        found = memo.get(key)
        if found is None:
            found = memo.put(
                key,
                frozenset(
                    item.id
                    for phase in PHASES
                    for item in self.catalog.checklist_for_phase(phase)
                    if scope.includes(item)
                ),
            )
        return found  # type: ignore[no-any-return]

    def _plugins_used(self) -> list[PluginUsed]:
        found = self.catalog.memo.get("plugins-used")
        if found is None:
            found = self.catalog.memo["plugins-used"] = [
                PluginUsed(name=info.name, version=info.version, source=info.source)
                for info in self.catalog.plugins
            ]
        return list(found)

    def _ruleset_used(self, ruleset: Ruleset) -> PluginUsed:
        key = ("ruleset-used", ruleset.name, str(ruleset.path))
        found = self.catalog.memo.get(key)
        if found is None:
            found = self.catalog.memo[key] = PluginUsed(
                name=ruleset.name,
                version=ruleset.version,
                source=portable_origin(str(ruleset.path)),
            )
        return found

    def _measure_texts(self, measure: Measure) -> dict[str, Any]:
        """What a recommendation says of its measure alone, once per catalog and language."""
        key = ("measure-texts", measure.id, self.language)
        found = self.catalog.memo.get(key)
        if found is None:
            language = self.language
            found = self.catalog.memo[key] = {
                "measure": measure.id,
                "title": text_in(measure.title, language),
                "description": text_in(measure.description, language),
                "rationale": text_in(measure.rationale, language) if measure.rationale else None,
                "phase": measure.phase,
                "phase_title": text(f"phase.{measure.phase}", language),
                "reference": measure.reference,
                "impact": measure.impact,
                "effort": measure.effort,
                "cost": measure.cost,
                "time_to_effect": measure.time_to_effect,
            }
        return found

    def _what_if(self, measure: Measure, scoring: AuditScores, overall: float | None) -> WhatIf:
        answers, scores = scoring.answers, scoring.scores
        # Only what the owner said is missing: an unanswered item is unknown, not a gap
        # that the measure would close (its score would jump from nothing to 100).
        items = [item for item in measure.addresses if answers.get(item) in ("nein", "teilweise")]
        if not items:  # nothing left to fulfil: the scores stay as they are
            return _NO_GAIN
        # Only the phases of the changed items can change: score just those (this runs for
        # every recommendation of every audit).
        by_phase: dict[str, dict[str, ChecklistItem]] = {}
        for item_id in items:
            item = self.catalog.checklist[item_id]
            by_phase.setdefault(item.phase, {})[item_id] = item
        new_scores: dict[str, float | None] = dict(scores)
        for phase, fulfilled in by_phase.items():
            new_scores[phase] = scoring.with_fulfilled(phase, fulfilled)
        new_overall = overall_score(new_scores)
        # Journey order, so that the JSON is the same whatever order the items come in.
        gains = [
            PhaseGain(phase=phase, gain=gain)
            for phase in PHASES
            if phase in by_phase
            and (gain := round((new_scores[phase] or 0.0) - (scores.get(phase) or 0.0), 1)) > 0
        ]
        phase_before = scores.get(measure.phase) or 0.0
        return WhatIf(
            phase_score_gain=round((new_scores.get(measure.phase) or 0.0) - phase_before, 1),
            overall_gain=round((new_overall or 0.0) - (overall or 0.0), 1),
            items=items,
            phase_gains=gains,
        )


_NO_GAIN = WhatIf(phase_score_gain=0.0, overall_gain=0.0, items=[])


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f"; meinten Sie {close[0]!r}?" if close else ""


def _sector_title(sector: str | None, catalog: Catalog, language: str) -> str | None:
    """The title of a ruleset of the sector, else the sector itself where it is written as a
    name ("Tee & Kaffee"), else a one-word id as a noun ("juwelier": "Juwelier"), else None.

    No name is guessed where the guess could misspell: from several words
    (``tee_kaffee``) or from a spelling without umlauts or ß (``sanitaetshaus``).
    """
    if not sector:
        return None
    for ruleset in catalog.rulesets:
        if ruleset.sector == sector:
            return text_in(ruleset.header.title, language)
    if "_" not in sector and (sector != sector.lower() or " " in sector or not sector.isascii()):
        return sector
    if sector.isascii() and sector.isalpha() and not any(s in sector for s in _RESPELLED):
        return sector.capitalize()
    return None


#: How an id spells ä, ö, ü and ß: a name guessed from such an id could be misspelt.
_RESPELLED = ("ae", "oe", "ue", "ss")


def _applies(measure: Measure, channels: AbstractSet[str]) -> bool:
    return not measure.channels or bool(channels & set(measure.channels))


#: The kind of cache entry that holds an engine's compiled catalog.
CATALOG_CACHE = "catalog"


@dataclass(frozen=True)
class _Built:
    """What building an engine computes before durable_rules gets the rules; cached whole,
    keyed by :func:`kundenkompass.catalog.fingerprint.catalog_key`."""

    catalog: Catalog
    compiled: CompiledRules


def _catalog_key(
    manager: pluggy.PluginManager,
    infos: list[plugin_manager.PluginInfo],
    rulesets: list[str | os.PathLike[str] | Ruleset],
    bundled: bool,
    all_sectors: bool,
) -> str | None:
    paths = [given for given in rulesets if not isinstance(given, Ruleset)]
    files = [*expand_paths(paths), *(bundled_ruleset_paths() if bundled else ())]
    return catalog_key(manager, infos, files, (bundled, all_sectors, [str(p) for p in paths]))


def _register_ruleset(
    manager: pluggy.PluginManager, ruleset: Ruleset, infos: Iterable[plugin_manager.PluginInfo]
) -> None:
    plugin_manager.register(
        manager,
        ruleset.plugin(),
        plugin_manager.PluginInfo(
            ruleset.plugin_name,
            ruleset.version,
            str(ruleset.path),
            distribution=_distribution_of(ruleset.provider, infos),
        ),
    )


def _distribution_of(plugin: str | None, infos: Iterable[plugin_manager.PluginInfo]) -> str | None:
    return next((info.distribution for info in infos if info.name == plugin), None)
