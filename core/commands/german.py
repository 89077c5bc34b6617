"""The command line in German: click's and typer's own texts, usage lines and metavars.

click and typer mark their texts for :mod:`gettext` (``from gettext import gettext as _`` in
each module) but ship no German catalog, and gettext would only use one under a German
locale. The command line speaks German whatever the locale, so :func:`localize` replaces
those module-level ``_``/``ngettext`` functions with lookups in :data:`MESSAGES` and sets the
few texts typer computes at import time. A test checks that every text marked in the
installed click and typer has a translation here.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.util
import re
import sys
from collections.abc import Iterator, Sequence
from enum import Enum
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

import click

#: German for every text click and typer mark with ``_()``; keys are their msgids.
MESSAGES: dict[str, str] = {
    # click.core, typer.core
    "(dynamic)": "(dynamisch)",
    "Aborted!": "Abgebrochen!",
    "Arguments": "Argumente",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.": (
        "Argumente nehmen genau eine Parameterdeklaration, erhalten: {length}: {decls}."
    ),
    "Boolean option {decl!r} cannot use the same flag for true/false.": (
        "Die Schalteroption {decl!r} kann nicht denselben Schalter für wahr und falsch nutzen."
    ),
    "Commands": "Befehle",
    "Could not determine name for option with declarations {decls!r}": (
        "Kein Name für die Option mit den Deklarationen {decls!r}"
    ),
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": (
        "Hinweis: Der Befehl {name!r} ist veraltet.{extra_message}"
    ),
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": (
        "Hinweis: {param_type} {name!r} ist veraltet.{extra_message}"
    ),
    "Missing command.": "Befehl fehlt.",
    "Name '{name}' defined twice": "Name '{name}' doppelt definiert",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument "
    "instead? Did you mean to pass '--{name}'?": (
        "Keine Optionen definiert, aber ein Name übergeben ({name})."
    ),
    "No such command {name!r}.": "Unbekannter Befehl {name!r}.",
    "Options": "Optionen",
    "Positional arguments": "Argumente",
    "Value must be an iterable.": "Der Wert muss eine Folge sein.",
    "default: {default}": "Vorgabe: {default}",
    "deprecated": "veraltet",
    "env var: {var}": "Umgebungsvariable: {var}",
    "required": "erforderlich",
    "Got unexpected extra argument ({args})": "Unerwartetes zusätzliches Argument ({args})",
    "Got unexpected extra arguments ({args})": "Unerwartete zusätzliche Argumente ({args})",
    "Takes {nargs} values but 1 was given.": "Erwartet {nargs} Werte, erhalten: 1.",
    "Takes {nargs} values but {len} were given.": "Erwartet {nargs} Werte, erhalten: {len}.",
    # click.decorators
    "%(prog)s, version %(version)s": "%(prog)s, Version %(version)s",
    "Confirm the action without prompting.": "Die Aktion ohne Rückfrage bestätigen.",
    "Do you want to continue?": "Fortfahren?",
    "Show the version and exit.": "Version zeigen und beenden.",
    "Show this message and exit.": "Diese Hilfe zeigen und beenden.",
    # click.exceptions
    "Could not open file {filename!r}: {message}": (
        "Datei {filename!r} lässt sich nicht öffnen: {message}"
    ),
    "Error: {message}": "Fehler: {message}",
    "Invalid value for {param_hint}: {message}": "Ungültiger Wert für {param_hint}: {message}",
    "Invalid value: {message}": "Ungültiger Wert: {message}",
    "Missing argument": "Argument fehlt",
    "Missing option": "Option fehlt",
    "Missing parameter": "Parameter fehlt",
    "Missing parameter: {param_name}": "Parameter fehlt: {param_name}",
    "Missing {param_type}": "{param_type} fehlt",
    "No such option {name!r}.": "Unbekannte Option {name!r}.",
    "Try '{command} {option}' for help.": "Hilfe: '{command} {option}'.",
    "unknown error": "unbekannter Fehler",
    "Did you mean {possibility}?": "Meinten Sie {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Meinten Sie eine davon: {possibilities}?)",
    # click.formatting
    "Usage:": "Aufruf:",
    # click.parser
    "Argument {name!r} takes {nargs} values.": "Argument {name!r} erwartet {nargs} Werte.",
    "Invalid start character for option ({option})": (
        "Ungültiges erstes Zeichen für eine Option ({option})"
    ),
    "Option {name!r} does not take a value.": "Option {name!r} nimmt keinen Wert.",
    "Option {name!r} requires an argument.": "Option {name!r} braucht einen Wert.",
    "Option {name!r} requires {nargs} arguments.": "Option {name!r} braucht {nargs} Werte.",
    # typer.rich_utils
    "(deprecated) ": "(veraltet) ",
    "Aborted.": "Abgebrochen.",
    "Error": "Fehler",
    "Try [blue]'{command_path} {help_option}'[/] for help.": (
        "Hilfe: [blue]'{command_path} {help_option}'[/]"
    ),
    "[default: {}]": "[Vorgabe: {}]",
    "[env var: {}]": "[Umgebungsvariable: {}]",
    "[required]": "[erforderlich]",
    # click.shell_completion
    "Couldn't detect Bash version, shell completion is not supported.": (
        "Die Bash-Version ist unbekannt; Vervollständigung wird nicht unterstützt."
    ),
    "Shell completion is not supported for Bash versions older than 4.4.": (
        "Vervollständigung braucht Bash 4.4 oder neuer."
    ),
    # click.termui, click._termui_impl, click._winconsole
    "Error: The two entered values do not match.": (
        "Fehler: Die beiden Eingaben stimmen nicht überein."
    ),
    "Error: invalid input": "Fehler: ungültige Eingabe",
    "Press any key to continue...": "Weiter mit einer beliebigen Taste …",
    "Repeat for confirmation": "Zur Bestätigung wiederholen",
    "Unknown color {colour!r}": "Unbekannte Farbe {colour!r}",
    "d": "d",
    "{editor}: Editing failed": "{editor}: Bearbeiten fehlgeschlagen",
    "{editor}: Editing failed: {e}": "{editor}: Bearbeiten fehlgeschlagen: {e}",
    "Windows error: {error}": "Windows-Fehler: {error}",
    "Unknown standard stream '{name}'": "Unbekannter Standardstrom '{name}'",
    # click.types
    "Choice({choices})": "Auswahl({choices})",
    "Choose from:\n\t{choices}": "Zur Wahl:\n\t{choices}",
    "directory": "Ordner",
    "file": "Datei",
    "path": "Pfad",
    "{name} {filename!r} does not exist.": "{name} {filename!r} gibt es nicht.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} ist ein Ordner.",
    "{name} {filename!r} is a file.": "{name} {filename!r} ist eine Datei.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} ist nicht ausführbar.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} ist nicht lesbar.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} ist nicht schreibbar.",
    "{value!r} is not a valid UUID.": "{value!r} ist keine gültige UUID.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} ist kein Wahrheitswert. Möglich: {states}"
    ),
    "{value!r} is not a valid {number_type}.": "{value!r} ist keine gültige Zahl ({number_type}).",
    "{value} is not in the range {range}.": "{value} liegt nicht im Bereich {range}.",
    "{len_type} values are required, but {len_value} was given.": (
        "{len_type} Werte nötig, erhalten: {len_value}."
    ),
    "{len_type} values are required, but {len_value} were given.": (
        "{len_type} Werte nötig, erhalten: {len_value}."
    ),
    "{value!r} does not match the format {format}.": "{value!r} passt nicht zum Format {format}.",
    "{value!r} does not match the formats {formats}.": (
        "{value!r} passt zu keinem der Formate {formats}."
    ),
    "{value!r} is not {choice}.": "{value!r} ist nicht {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} ist keiner von {choices}.",
}

#: The modules of click and typer that bind gettext's functions at import.
TRANSLATED_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.shell_completion",
    "click.termui",
    "click.types",
    "click.utils",
    "typer.core",
)
RICH_UTILS = "typer.rich_utils"
#: typer's help texts that are not marked for gettext, and its texts computed at import.
TYPER_CONSTANTS = {
    "DEPRECATED_STRING": "(deprecated) ",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}
OPTION_HELP = {
    "install_completion": "Die Vervollständigung für die aktuelle Shell einrichten.",
    "show_completion": "Das Vervollständigungs-Skript der aktuellen Shell zeigen, zum "
    "Kopieren oder Anpassen.",
}
#: Metavars by parameter name; others follow from their type (:func:`_metavar`).
METAVARS = {
    "profile": "PROFIL",
    "profiles": "PROFIL",
    "output": "DATEI",
    "summary": "DATEI",
    "ruleset": "REGELWERK",
    "before": "ERGEBNIS",
    "after": "ERGEBNIS",
    "measure": "MASSNAHME",
    "kind": "ART",
    "paths": "PFAD",
    "phase": "PHASE",
    "format": "FORMAT",
    "host": "ADRESSE",
    "port": "PORT",
    "max_body_size": "BYTES",
    "log_level": "STUFE",
    "audience": "LESER",
    "result": "ERGEBNIS",
    "audit_date": "DATUM",
    "advisor": "NAME",
    "organisation": "NAME",
}


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return gettext(singular if count == 1 else plural)


def keep_argument_help() -> None:
    """Let typer's arguments keep their help text.

    click (8.3 and later) sets ``Parameter.help`` in its constructor, which typer's
    ``TyperArgument`` calls only after setting its own: every argument's help was lost
    from ``-h``. Applied before the command is built; idempotent.
    """
    from typer.core import TyperArgument

    original: Any = TyperArgument.__init__
    if getattr(original, "keeps_help", False):
        return

    @functools.wraps(original)
    def init(self: TyperArgument, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.help = kwargs.get("help")

    init.keeps_help = True  # type: ignore[attr-defined]
    TyperArgument.__init__ = init  # type: ignore[method-assign]


keep_argument_help()


def localize(command: click.Command) -> None:
    """Make click, typer and ``command`` (with its subcommands) speak German."""
    for name in TRANSLATED_MODULES:
        _translate(importlib.import_module(name))
    # typer imports its rich help and error formatting (and with it much of rich) only to
    # show help or an error: translate it when it is imported, not before.
    if RICH_UTILS in sys.modules:
        _translate_rich_utils(sys.modules[RICH_UTILS])
    elif not any(isinstance(finder, _TranslateOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _TranslateOnImport())
    for each in _commands(command):
        each.options_metavar = "[OPTIONEN]"
        if isinstance(each, click.Group):
            each.subcommand_metavar = "BEFEHL [ARGUMENTE]..."
        for parameter in each.params:
            if parameter.name in OPTION_HELP and isinstance(parameter, click.Option):
                parameter.help = OPTION_HELP[parameter.name]
            if parameter.metavar is None:
                parameter.metavar = _metavar(parameter)


def _translate(module: ModuleType) -> None:
    if hasattr(module, "_"):
        module._ = gettext  # type: ignore[attr-defined]
    if hasattr(module, "ngettext"):
        module.ngettext = ngettext  # type: ignore[attr-defined]


def _translate_rich_utils(module: ModuleType) -> None:
    _translate(module)
    for constant, message in TYPER_CONSTANTS.items():
        setattr(module, constant, gettext(message))


class _TranslateOnImport(importlib.abc.MetaPathFinder):
    """Translates ``typer.rich_utils`` right after it is first imported."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != RICH_UTILS:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec else None
        if spec is None or loader is None:
            return spec
        load = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            load(module)
            _translate_rich_utils(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _commands(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _commands(sub)


def _metavar(parameter: click.Parameter) -> str:
    """A readable German placeholder: nothing for a flag, else by name or by type."""
    if isinstance(parameter, click.Option) and (parameter.is_flag or parameter.count):
        return ""
    if parameter.name in METAVARS:
        return METAVARS[parameter.name] + ("..." if parameter.nargs == -1 else "")
    kind: Any = parameter.type
    if isinstance(kind, click.Choice):
        return "|".join(
            str(choice.value if isinstance(choice, Enum) else choice) for choice in kind.choices
        )
    if isinstance(kind, click.Path) or getattr(kind, "name", "") == "path":
        return "PFAD"
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return "ZAHL"
    return _upper_name(parameter.name or "WERT")


def _upper_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).upper()
