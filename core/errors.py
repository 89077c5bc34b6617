"""One error hierarchy for the library. The library raises; only the CLI prints and exits."""

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
        label = f"plugin {plugin!r}" + (f" ({origin})" if origin else "")
        super().__init__(f"{label}: {message}")


class RuleError(KundenkompassError):
    """A rule that is malformed or refers to something no plugin declares."""

    def __init__(self, origin: str, rule: str | None, message: str) -> None:
        self.origin = origin
        self.rule = rule
        self.message = message
        where = f"{origin}: rule {rule!r}" if rule else origin
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
