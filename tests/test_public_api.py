"""The public API at the package root, and the error tree every error belongs to."""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import subprocess
import sys

import kundenkompass
import pytest
from kundenkompass.errors import KundenkompassError
from kundenkompass.files.toml_files import tomllib

from .conftest import ROOT
from .test_architecture import MODULES


def test_every_public_name_is_importable_from_the_root():
    for name in kundenkompass.__all__:
        assert getattr(kundenkompass, name) is not None, name
    assert sorted(kundenkompass.__all__) == sorted({*kundenkompass.__all__})
    assert set(dir(kundenkompass)) >= set(kundenkompass.__all__)


def test_the_version_is_the_one_the_package_is_built_and_installed_with():
    with (ROOT / "pyproject.toml").open("rb") as stream:
        built = tomllib.load(stream)["project"]["version"]
    assert kundenkompass.__version__ == built
    assert importlib.metadata.version("kundenkompass") == built


def test_the_root_names_are_the_objects_of_their_modules():
    from kundenkompass.engine import Engine
    from kundenkompass.results import AuditResult

    assert kundenkompass.Engine is Engine
    assert kundenkompass.AuditResult is AuditResult


def _models_within(model: type, found: set[type]) -> set[type]:
    """``model`` and every pydantic model its fields hold, however nested."""
    import typing

    from pydantic import BaseModel

    def walk(annotation: object) -> None:
        known = isinstance(annotation, type) and annotation in found
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and not known:
            found.add(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)
        for argument in typing.get_args(annotation):
            walk(argument)

    walk(model)
    return found


def test_every_model_a_result_holds_is_public():
    """An integrator can name the type of every part of a result (and the audit options)."""
    from kundenkompass.results import AuditInfo, AuditResult, MeasureExplanation

    models: set[type] = set()
    for root in (AuditResult, MeasureExplanation, AuditInfo):
        _models_within(root, models)
    missing = sorted(
        model.__name__ for model in models if model.__name__ not in kundenkompass.__all__
    )
    assert not missing
    assert all(getattr(kundenkompass, model.__name__) is model for model in models)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Engin'"):
        kundenkompass.Engin  # noqa: B018


def test_importing_the_root_loads_nothing_else():
    """The command line and embedders pay for what they use, not for the whole API."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, kundenkompass; "
            "print(sorted(m for m in sys.modules if m.startswith(('kundenkompass.', 'pydantic'))))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"


def test_every_error_the_package_defines_is_a_kundenkompass_error():
    """Private exceptions (``_Name``) are control flow inside one module and never leave it."""
    found = []
    for module_name in MODULES:
        if module_name.endswith("__main__"):  # importing it runs the command line
            continue
        module = importlib.import_module(module_name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            public = not cls.__name__.startswith("_")
            if public and cls.__module__ == module_name and issubclass(cls, BaseException):
                found.append(cls)
                assert issubclass(cls, KundenkompassError), f"{module_name}.{cls.__name__}"
    assert len(found) >= 10


def test_errors_keep_their_location_in_fields():
    from kundenkompass.errors import DataFileError, RuleError, TomlFileError

    error = DataFileError("facts.toml", "muss eine Tabelle sein", key_path="fact[2] 'website'")
    assert str(error) == "facts.toml: fact[2] 'website': muss eine Tabelle sein"
    assert (error.source, error.key_path, error.exit_code) == ("facts.toml", "fact[2] 'website'", 3)
    toml = TomlFileError("TOML-Syntaxfehler: x", 3, 7)
    assert (str(toml), toml.line, toml.column) == ("TOML-Syntaxfehler: x", 3, 7)
    located = TomlFileError("Datei nicht gefunden", source="profil.toml")
    assert str(located) == "profil.toml: Datei nicht gefunden"
    rule = RuleError("rules.toml", "r1", "unbekannte Maßnahme", culprit="kaputt")
    assert (rule.origin, rule.rule, rule.culprit) == ("rules.toml", "r1", "kaputt")
