"""The hooks a Kundenkompass plugin implements. This module is the plugin author's reference.

A plugin is a module or object with functions marked ``@hookimpl``; it is found through the
``kundenkompass`` entry-point group, exactly like the five built-in phase plugins::

    # pyproject.toml of a plugin package
    [project.entry-points.kundenkompass]
    fahrradhandel = "kundenkompass_fahrradhandel"

Every hook takes no arguments and returns a list: of pydantic models, or of ruleset files
for :func:`register_rulesets`. Each hook is called once per engine, when the engine is
built, in plugin-name order; a hook that a plugin does not implement contributes nothing,
and returning ``None`` is the same as returning an empty list. The engine validates each
result, records which plugin gave it, and stops with a message naming the plugin (and its
entry point and distribution) when a hook raises, returns the wrong type, or contributes an
id another plugin already owns. Most plugins keep their content in TOML files beside the
module and load them with :class:`kundenkompass.catalog.plugin_data.PluginData`; Python is
only needed for :func:`register_derivations`.

``KUNDENKOMPASS_HOOKSPEC_VERSION`` is optional: a plugin that declares it (a whole number,
on the plugin object or in its module) is refused with a clear message by a Kundenkompass
that provides another version; a plugin without it is loaded and checked hook by hook.
"""

from __future__ import annotations

import os

import pluggy
from kundenkompass.models import (
    ChecklistItem,
    Derivation,
    FactDefinition,
    Measure,
    Project,
    Threshold,
)
from kundenkompass.rules.language import Rule

#: Version of the hook specifications. A plugin may declare the version it was built for
#: as a module attribute ``KUNDENKOMPASS_HOOKSPEC_VERSION``; a different major version is
#: refused with a message naming the plugin.
HOOKSPEC_VERSION = 1

hookspec = pluggy.HookspecMarker("kundenkompass")
hookimpl = pluggy.HookimplMarker("kundenkompass")


@hookspec
def register_facts() -> list[FactDefinition]:
    """Declare facts a profile may state under ``[facts]``, and facts that rules derive.

    Example::

        FactDefinition(key="website", type="bool",
                       question={"de": "Hat das Unternehmen eine eigene Website?"})

    A fact with ``source="derived"`` is not asked in the profile; rules (``derive = …``)
    or a :func:`register_derivations` function set it.
    """


@hookspec
def register_checklist_items() -> list[ChecklistItem]:
    """Contribute checklist items, answered in a profile's ``[answers]`` table.

    Example::

        ChecklistItem(id="google_business_profil", phase="informationssuche",
                      statement={"de": "Wir haben ein vollständiges Google-Unternehmensprofil."},
                      reference="Informationssuche – Checkliste")
    """


@hookspec
def register_measures() -> list[Measure]:
    """Contribute measures that rules can recommend.

    Example::

        Measure(id="google_business_profil_anlegen", phase="informationssuche",
                title={"de": "Google-Unternehmensprofil anlegen"},
                description={"de": "…"}, reference="Informationssuche – Google My Business")
    """


@hookspec
def register_rules() -> list[Rule]:
    """Contribute declarative rules (usually parsed from a ``rules.toml`` beside the plugin).

    Rules may refer to facts, checklist items and measures of any loaded plugin. A rule that
    names something no plugin declares stops the run with the rule id and its file.
    """


@hookspec
def register_derivations() -> list[Derivation]:
    """Contribute derived facts computed in Python, for what rules cannot express.

    Example::

        Derivation(fact="anteil_mitarbeitende_geschult",
                   inputs=("facts.mitarbeitende", "facts.mitarbeitende_geschult"),
                   compute=lambda known: ...,
                   description={"de": "Anteil der geschulten Mitarbeitenden"})

    The derived fact must be declared with ``source="derived"`` by some plugin.
    ``compute`` receives the known input values by key path and returns ``None`` when the
    value cannot be decided; the derived fact is then unknown.
    """


@hookspec
def register_thresholds() -> list[Threshold]:
    """Contribute thresholds: numbers the guide leaves open, turned into yes/no facts.

    Example (in ``facts.toml``)::

        [[threshold]]
        key = "antwortzeit_zeitnah"
        input = "facts.antwortzeit_stunden"
        operator = "lte"
        value = 24
        our_default = true
        description.de = "Antwort auf Beiträge innerhalb von 24 Stunden („zeitnah“)"

    Rules test the declared bool fact (``fact = "antwortzeit_zeitnah"``). A profile's
    ``[thresholds]`` table or a ruleset may set another value.
    """


@hookspec
def register_projects() -> list[Project]:
    """Group measures into projects: the pieces of work the owner's report plans.

    The owner's report shows projects, not single measures: each project that holds a
    recommended measure is laid on a 3/6/12-month roadmap with its effort, cost band and
    time to effect (taken from its recommended measures), what it needs first and who in a
    small shop usually does it (``owner``: ``inhaber``, ``team``, ``verkauf`` or
    ``dienstleister``). Recommended measures that no project lists are gathered per phase
    under "Weitere Schritte". Most plugins write them in ``projects.toml``::

        [[project]]
        id = "online_gefunden_werden"
        phase = "informationssuche"
        title.de = "Online gefunden werden"
        goal.de = "Wer Sie im Netz sucht, findet Sie mit Adresse, Öffnungszeiten und Bewertungen."
        measures = ["google_business_profil_anlegen", "unternehmensinfos_zugaenglich_machen"]
        owner = "inhaber"
        reference = "Informationssuche – Kundenzugang und Sichtbarkeit im Internet"

    A project may list measures of any loaded plugin, so a sector plugin can group the
    built-in measures differently from the phase plugins only for measures no other
    project lists: a measure belongs to at most one project, and an unknown measure
    id stops the run with the plugin's name.

    What a project needs first (``needs``) may be in place already: ``needs_unless`` is a
    condition in the rule language's syntax (like a rule's ``unless``); where the
    company's answers and facts show it true, the plan leaves the line out (unknown keeps
    it). The catalog checks it like a rule's condition::

        needs.de = "Ein klares Bild der Zielgruppe (Projekt „Ihre Kunden kennen“)."
        needs_unless = { answer = "zielgruppe_beduerfnisse_bekannt", equals = "ja" }
    """


@hookspec
def register_rulesets() -> list[str | os.PathLike[str]]:
    """Ship rulesets: TOML files that adjust any plugin's content for one sector.

    Called before the other hooks, since a ruleset's content is contributed like a
    plugin's. Each file has the format of a no-code ruleset (a ``[ruleset]`` table with its
    ``sector``, ``[[measure_priority]]`` to raise or lower a built-in measure's priority,
    ``[[not_applicable]]`` to mark a built-in checklist item "entfällt", and the tables of a
    plugin folder). It applies only to audits of companies of its ``sector``; an explicit
    ``--ruleset`` of the same sector replaces it. ``audit plugins`` names the plugin that
    ships it.

    Example (what :class:`~kundenkompass.catalog.plugin_data.PluginData` does for the
    files in a ``rulesets/`` folder beside the plugin's data files)::

        return [Path(__file__).parent / "rulesets" / "optiker.toml"]
    """
