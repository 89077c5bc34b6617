"""Kundenkompass: audit how customer-centric a retailer is along the customer journey.

The public API, for programs that embed the engine and for plugin authors::

    from pathlib import Path

    from kundenkompass import Engine, AuditResult, KundenkompassError

    engine = Engine()
    result: AuditResult = engine.audit(Path("profil.toml"))  # a str is TOML text

Everything listed in ``__all__`` is importable from here and stays where it is; the
modules behind it (``kundenkompass.engine``, ``kundenkompass.results`` …) are laid out by
step of the audit and may move. The names are loaded on first use, so that
``import kundenkompass`` stays cheap for the command line.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from kundenkompass.catalog.hookspecs import HOOKSPEC_VERSION, hookimpl, hookspec
    from kundenkompass.catalog.plugin_data import PluginData
    from kundenkompass.catalog.plugin_manager import SkippedPlugin
    from kundenkompass.catalog.rulesets import Ruleset, load_ruleset
    from kundenkompass.engine import Engine, ProfileInput
    from kundenkompass.errors import (
        AuditError,
        DataFileError,
        InputFileError,
        InvalidInput,
        KundenkompassError,
        MissingDependencyError,
        OutputError,
        PluginError,
        ProfileError,
        ResultFileError,
        RuleError,
        TomlFileError,
    )
    from kundenkompass.models import (
        ChecklistItem,
        Derivation,
        FactDefinition,
        FactType,
        Measure,
        Threshold,
    )
    from kundenkompass.profile.load import Answer, Company, Profile
    from kundenkompass.profile.schemas import profile_model, profile_schema, result_schema
    from kundenkompass.results import (
        SCHEMA_VERSION,
        AnswerWithoutMeasure,
        AuditInfo,
        AuditResult,
        ChecklistAnswer,
        CompanyInfo,
        DerivationStep,
        DerivedFact,
        Evidence,
        Firing,
        IgnoredInput,
        LeafCheck,
        MeasureExplanation,
        OpenQuestion,
        PhaseGain,
        PhaseResult,
        PluginUsed,
        ProjectPlan,
        Recommendation,
        RoadmapStep,
        RuleCheck,
        Strength,
        WebsiteCheck,
        WhatIf,
    )

#: Public name → the module that defines it.
_EXPORTS: dict[str, str] = {
    # the engine
    "Engine": "kundenkompass.engine",
    "ProfileInput": "kundenkompass.engine",
    # profiles and their schemas
    "Profile": "kundenkompass.profile.load",
    "Company": "kundenkompass.profile.load",
    "Answer": "kundenkompass.profile.load",
    "profile_model": "kundenkompass.profile.schemas",
    "profile_schema": "kundenkompass.profile.schemas",
    "result_schema": "kundenkompass.profile.schemas",
    # results
    "SCHEMA_VERSION": "kundenkompass.results",
    "AnswerWithoutMeasure": "kundenkompass.results",
    "AuditInfo": "kundenkompass.results",
    "AuditResult": "kundenkompass.results",
    "ChecklistAnswer": "kundenkompass.results",
    "CompanyInfo": "kundenkompass.results",
    "DerivationStep": "kundenkompass.results",
    "DerivedFact": "kundenkompass.results",
    "Evidence": "kundenkompass.results",
    "Firing": "kundenkompass.results",
    "IgnoredInput": "kundenkompass.results",
    "LeafCheck": "kundenkompass.results",
    "MeasureExplanation": "kundenkompass.results",
    "OpenQuestion": "kundenkompass.results",
    "PhaseGain": "kundenkompass.results",
    "PhaseResult": "kundenkompass.results",
    "PluginUsed": "kundenkompass.results",
    "ProjectPlan": "kundenkompass.results",
    "Recommendation": "kundenkompass.results",
    "RoadmapStep": "kundenkompass.results",
    "RuleCheck": "kundenkompass.results",
    "Strength": "kundenkompass.results",
    "WebsiteCheck": "kundenkompass.results",
    "WhatIf": "kundenkompass.results",
    # plugins
    "HOOKSPEC_VERSION": "kundenkompass.catalog.hookspecs",
    "hookimpl": "kundenkompass.catalog.hookspecs",
    "hookspec": "kundenkompass.catalog.hookspecs",
    "PluginData": "kundenkompass.catalog.plugin_data",
    "SkippedPlugin": "kundenkompass.catalog.plugin_manager",
    "Ruleset": "kundenkompass.catalog.rulesets",
    "load_ruleset": "kundenkompass.catalog.rulesets",
    "ChecklistItem": "kundenkompass.models",
    "Derivation": "kundenkompass.models",
    "FactDefinition": "kundenkompass.models",
    "FactType": "kundenkompass.models",
    "Measure": "kundenkompass.models",
    "Threshold": "kundenkompass.models",
    # errors
    "KundenkompassError": "kundenkompass.errors",
    "InputFileError": "kundenkompass.errors",
    "ProfileError": "kundenkompass.errors",
    "ResultFileError": "kundenkompass.errors",
    "TomlFileError": "kundenkompass.errors",
    "DataFileError": "kundenkompass.errors",
    "InvalidInput": "kundenkompass.errors",
    "PluginError": "kundenkompass.errors",
    "RuleError": "kundenkompass.errors",
    "AuditError": "kundenkompass.errors",
    "OutputError": "kundenkompass.errors",
    "MissingDependencyError": "kundenkompass.errors",
}

__all__ = [
    "HOOKSPEC_VERSION",
    "SCHEMA_VERSION",
    "Answer",
    "AnswerWithoutMeasure",
    "AuditError",
    "AuditInfo",
    "AuditResult",
    "ChecklistAnswer",
    "ChecklistItem",
    "Company",
    "CompanyInfo",
    "DataFileError",
    "Derivation",
    "DerivationStep",
    "DerivedFact",
    "Engine",
    "Evidence",
    "FactDefinition",
    "FactType",
    "Firing",
    "IgnoredInput",
    "InputFileError",
    "InvalidInput",
    "KundenkompassError",
    "LeafCheck",
    "Measure",
    "MeasureExplanation",
    "MissingDependencyError",
    "OpenQuestion",
    "OutputError",
    "PhaseGain",
    "PhaseResult",
    "PluginData",
    "PluginError",
    "PluginUsed",
    "Profile",
    "ProfileError",
    "ProfileInput",
    "ProjectPlan",
    "Recommendation",
    "ResultFileError",
    "RoadmapStep",
    "RuleCheck",
    "RuleError",
    "Ruleset",
    "SkippedPlugin",
    "Strength",
    "Threshold",
    "TomlFileError",
    "WebsiteCheck",
    "WhatIf",
    "__version__",
    "hookimpl",
    "hookspec",
    "load_ruleset",
    "profile_model",
    "profile_schema",
    "result_schema",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kundenkompass' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
