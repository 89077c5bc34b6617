"""One error hierarchy for the library. The library raises; only the CLI prints and exits.

Every error raised on purpose is a :class:`KundenkompassError`; each subclass carries the
fields that locate the problem (file, line/column, key path, plugin, rule, output path)::

    KundenkompassError
    ├── InputFileError          bad input at source:line:column, key path (exit 2)
    │   ├── ProfileError        a company profile
    │   ├── ResultFileError     a saved audit result (JSON)
    │   ├── TomlFileError       a TOML file that cannot be read or parsed
    │   └── DataFileError       a plugin's data file that does not match its schema (exit 3)
    ├── InvalidInput            text typed in the questionnaire that does not fit (exit 2)
    ├── PluginError             a plugin that fails to load or contributes something invalid
    ├── RuleError               a malformed rule or ruleset
    ├── AuditError              an audit that failed while inferring (exit 4)
    ├── OutputError             an output file that cannot or may not be written (exit 2)
    └── MissingDependencyError  an optional dependency that is not installed (exit 2)
"""

from __future__ import annotations


class KundenkompassError(Exception):
    """Base class of every error the engine raises on purpose."""

    #: Exit code the command line uses for this kind of error.
    exit_code = 3


class InputFileError(KundenkompassError):
    """Bad input, located by file and line/column or key path."""

    exit_code = 2

    def __init__(
        self,
        source: str,
        message: str,
        *,
        key_path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.source = source
        self.message = message
        self.key_path = key_path
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.key_path:
            return f"{where}: {self.key_path}: {self.message}"
        return f"{where}: {self.message}"


class ProfileError(InputFileError):
    """A profile that cannot be read or does not match what the plugins declare."""


class ResultFileError(InputFileError):
    """A saved audit result (JSON) that cannot be read, or two that cannot be compared."""


class TomlFileError(InputFileError):
    """A TOML file that cannot be read or parsed.

    ``source`` is empty when the text did not come from a file; whoever reads the file
    knows its name and says so in its own error.
    """

    def __init__(
        self,
        message: str,
        line: int | None = None,
        column: int | None = None,
        *,
        source: str = "",
    ) -> None:
        super().__init__(source, message, line=line, column=column)

    def __str__(self) -> str:
        return super().__str__() if self.source else self.message


class DataFileError(InputFileError):
    """A plugin data file (facts, checklist, measures) that does not match its schema."""

    exit_code = 3


class InvalidInput(KundenkompassError):
    """Text typed for a question that does not fit it; the message is for the user (German)."""

    exit_code = 2

    def __init__(self, message: str, *, key_path: str | None = None) -> None:
        self.message = message
        #: The question's place in the profile, e.g. ``facts.mitarbeitende``.
        self.key_path = key_path
        super().__init__(message)


class PluginError(KundenkompassError):
    """A plugin that fails to load, raises in a hook, or contributes something invalid.

    ``origin`` names where an installed plugin comes from (entry point, distribution and
    version); ``location`` is the file and line in the plugin's code where it failed.
    """

    def __init__(
        self,
        plugin: str,
        message: str,
        *,
        origin: str | None = None,
        location: tuple[str, int] | None = None,
    ) -> None:
        self.plugin = plugin
        self.message = message
        self.origin = origin
        self.location = location
        label = f"Plugin {plugin!r}" + (f" ({origin})" if origin else "")
        super().__init__(f"{label}: {message}")


class RuleError(KundenkompassError):
    """A rule that is malformed or refers to something no plugin declares.

    ``culprit`` names the plugin or ruleset to leave out for ``--skip-broken-plugins``
    when the origin alone does not say which it is.
    """

    def __init__(
        self, origin: str, rule: str | None, message: str, *, culprit: str | None = None
    ) -> None:
        self.origin = origin
        self.rule = rule
        self.message = message
        self.culprit = culprit
        where = f"{origin}: Regel {rule!r}" if rule else origin
        super().__init__(f"{where}: {message}")


class AuditError(KundenkompassError):
    """An audit that failed while inferring, e.g. because a rule action raised."""

    exit_code = 4

    def __init__(self, message: str, failures: list[tuple[str, str]] | None = None) -> None:
        self.failures = failures or []
        super().__init__(message)


class OutputError(KundenkompassError):
    """An output file that cannot or may not be written."""

    exit_code = 2

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


class MissingDependencyError(KundenkompassError):
    """A feature that needs an optional dependency which is not installed."""

    exit_code = 2

    def __init__(self, package: str, message: str) -> None:
        self.package = package
        super().__init__(message)


class RenderError(KundenkompassError):
    """A report that cannot be made on this machine, e.g. a PDF without a browser."""
