"""A test kit for plugin authors: audit profiles with just your plugin and the built-ins.

Like pytest's ``pytester`` or datasette's test client, :class:`PluginTester` builds an
engine in isolation: the five built-in phase plugins, the plugins under test (objects,
modules or plugin folders) and the rulesets they ship, and nothing else that happens to be
installed. It audits profiles given as dicts, TOML text or files, and lints the plugin in
the context of the built-ins::

    # tests/test_plugin.py of a plugin package
    import pytest
    from kundenkompass.testing import PluginTester

    import kundenkompass_optiker


    @pytest.fixture(scope="session")
    def tester() -> PluginTester:
        return PluginTester(kundenkompass_optiker.plugin)


    def test_the_plugin_is_clean(tester):
        tester.assert_lint_clean()


    def test_no_appointments_recommends_them(tester):
        profile = {"company": {"name": "Brillenhaus", "sector": "optiker", "channels": ["laden"]},
                   "answers": {"sehtest_termin_vereinbar": "nein"}}
        assert "sehtest_termine_anbieten" in tester.recommended(profile)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from kundenkompass.catalog.checks import BUILT_IN_DISTRIBUTION
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.catalog.plugin_manager import discover_entry_points
from kundenkompass.engine import Engine, ProfileInput
from kundenkompass.results import AuditResult, MeasureExplanation
from kundenkompass.tools.lint import LintReport, lint_plugins

__all__ = ["PluginTester", "built_in_plugins", "make_profile"]


def built_in_plugins() -> list[object]:
    """The plugin objects of Kundenkompass itself (the five phases), in name order."""
    found = []
    for entry_point in discover_entry_points():
        distribution = entry_point.dist
        name = distribution.metadata["Name"] if distribution is not None else None
        if name == BUILT_IN_DISTRIBUTION:
            found.append(entry_point.load())
    return found


class PluginTester:
    """An isolated engine with the built-in plugins and the plugins under test.

    ``plugins`` are plugin objects (a :class:`PluginData`, a module or an object with
    ``@hookimpl`` functions) or paths of plugin folders. ``rulesets`` are extra ruleset
    files, applied like ``--ruleset`` (to their sector, or to every audit with
    ``rulesets_all_sectors``); ``bundled_rulesets`` adds the rulesets bundled with
    Kundenkompass. Rulesets the plugins ship (``register_rulesets``) always take part.
    """

    def __init__(
        self,
        *plugins: object | str | os.PathLike[str],
        rulesets: Iterable[str | os.PathLike[str]] = (),
        bundled_rulesets: bool = False,
        rulesets_all_sectors: bool = False,
    ) -> None:
        self.plugins = [_plugin(plugin) for plugin in plugins]
        self.rulesets = list(rulesets)
        self.bundled_rulesets = bundled_rulesets
        self.rulesets_all_sectors = rulesets_all_sectors

    @cached_property
    def engine(self) -> Engine:
        """The engine, built on first use (a broken plugin raises :class:`PluginError`)."""
        return Engine(
            [*built_in_plugins(), *self.plugins],
            discover=False,
            rulesets=self.rulesets,
            sector_rulesets=self.bundled_rulesets,
            rulesets_all_sectors=self.rulesets_all_sectors,
        )

    def audit(self, profile: ProfileInput) -> AuditResult:
        """Audit a profile: a dict, TOML text, a path or a loaded profile."""
        return self.engine.audit(profile)

    def explain(self, measure: str, profile: ProfileInput) -> MeasureExplanation:
        return self.engine.explain(measure, profile)

    def recommended(self, profile: ProfileInput) -> list[str]:
        """The ids of the recommended measures, in the order of the plan."""
        return [r.measure for r in self.audit(profile).recommendations]

    def checklist(self, profile: ProfileInput) -> dict[str, str | None]:
        """Checklist item → answer, for every item the company is asked."""
        result = self.audit(profile)
        return {a.item: a.answer for phase in result.phases for a in phase.checklist}

    def reasons(self, measure: str, profile: ProfileInput) -> list[str]:
        """The ids of the rules (and priority changes) behind a recommended measure."""
        for recommendation in self.audit(profile).recommendations:
            if recommendation.measure == measure:
                return [firing.rule for firing in recommendation.reasons]
        raise AssertionError(f"{measure!r} is not recommended for this profile")

    def lint(self) -> LintReport:
        """``audit lint`` of the plugins under test, in the context of the built-ins."""
        return lint_plugins(self.plugins)

    def assert_lint_clean(self) -> None:
        """Fail with every problem ``audit lint`` finds in the plugins under test."""
        report = self.lint()
        if report.problems:
            raise AssertionError("\n".join(str(problem) for problem in report.problems))


def _plugin(plugin: object) -> object:
    if isinstance(plugin, str | os.PathLike):
        return PluginData(Path(plugin))
    return plugin


def make_profile(
    sector: str | None = None,
    channels: Iterable[str] = ("laden",),
    answers: Mapping[str, str] | None = None,
    facts: Mapping[str, Any] | None = None,
    name: str = "Testbetrieb",
) -> dict[str, Any]:
    """A profile as a dict, for tests: ``make_profile("optiker", answers={...})``."""
    company: dict[str, Any] = {"name": name, "channels": list(channels)}
    if sector is not None:
        company["sector"] = sector
    return {"company": company, "answers": dict(answers or {}), "facts": dict(facts or {})}
