"""Progress between two audits of the same company, from their saved JSON results.

A measure recommended before but not after counts as done, unless an answer or fact its
reasons rested on is unknown now: it is then listed as one that can no longer be judged,
since unknown is not false and a removed answer is no progress.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from kundenkompass.errors import ResultFileError
from kundenkompass.files.reasons import json_reason, os_reason, validation_reason
from kundenkompass.results import (
    SCHEMA_VERSION,
    AuditResult,
    CompanyInfo,
    Recommendation,
    ResultModel,
)
from kundenkompass.texts import text
from kundenkompass.vocabulary import AnswerValue, Horizon
from pydantic import ValidationError, computed_field

#: Version of the JSON form of :class:`AuditDiff`.
DIFF_SCHEMA_VERSION = "1.0"

Answer = AnswerValue | None


class ScoreChange(ResultModel):
    before: float | None
    after: float | None
    #: after − before, rounded to one decimal; None when either score is missing.
    change: float | None
    maturity_before: str | None
    maturity_after: str | None


class PhaseChange(ScoreChange):
    phase: str
    title: str


class MeasureChange(ResultModel):
    measure: str
    title: str
    phase: str
    phase_title: str
    #: Position in the plan before and after (1 = first); None where not recommended.
    number_before: int | None
    number_after: int | None
    horizon_before: Horizon | None
    horizon_after: Horizon | None


class AnswerChange(ResultModel):
    item: str
    statement: str
    phase: str
    phase_title: str
    before: Answer
    after: Answer


class FactChange(ResultModel):
    """A fact stated in the profile or derived by the rules, before and after."""

    ref: str
    label: str
    #: True for facts the rules or derivations produced, False for the profile's own.
    derived: bool
    before: Any
    after: Any
    #: The values as a reader sees them ("unbekannt" where unknown).
    before_shown: str
    after_shown: str


class AuditDiff(ResultModel):
    schema_version: str = DIFF_SCHEMA_VERSION
    #: The company as named in the later audit.
    company: CompanyInfo
    overall: ScoreChange
    phases: list[PhaseChange]
    #: Recommended before, no longer recommended after.
    done: list[MeasureChange]
    #: Recommended before; after, an open question could still recommend it.
    undetermined: list[MeasureChange]
    #: Recommended after, not before.
    new: list[MeasureChange]
    #: Recommended in both audits, in the later plan's order.
    still_open: list[MeasureChange]
    answers_changed: list[AnswerChange]
    #: Stated and derived facts that differ, stated ones first, each group by key.
    facts_changed: list[FactChange] = []  # noqa: RUF012 (pydantic copies defaults)
    open_questions_before: int
    open_questions_after: int
    rules_fingerprint_before: str
    rules_fingerprint_after: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rules_changed(self) -> bool:
        """The audits ran on different rules: some changes may come from the rules."""
        return self.rules_fingerprint_before != self.rules_fingerprint_after

    def to_json(self) -> str:
        """Deterministic JSON: the same two results give byte-identical output."""
        return self.model_dump_json(indent=2) + "\n"


#: Largest saved result ``audit diff`` reads; a real one is well under 1 MB.
MAX_RESULT_BYTES = 16_000_000
#: Deepest nesting of lists and objects in a saved result (a real one nests about 8 deep).
MAX_RESULT_DEPTH = 32
_VERSION = re.compile(r"^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$")


def load_result(path: str | Path) -> AuditResult:
    """Read a result saved with ``audit run --format json``, with clear errors.

    The file is checked like a profile before it is parsed: a regular file (a FIFO would
    block, /dev/zero never ends), at most :data:`MAX_RESULT_BYTES`, nesting at most
    :data:`MAX_RESULT_DEPTH`, strict JSON (no NaN or Infinity), then the published result
    schema (``audit schema result``) and its ``schema_version``.
    """
    source = str(path)
    return parse_result(_read_bounded(source, Path(path)), source)


def parse_result(raw: bytes, source: str) -> AuditResult:
    """A result given as bytes (an upload), checked like :func:`load_result` checks a file;
    ``source`` names it in error messages."""
    if len(raw) > MAX_RESULT_BYTES:
        raise ResultFileError(source, _too_large(len(raw)))
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ResultFileError(source, f"ist kein UTF-8-Text (Byte {error.start + 1})") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as error:
        raise ResultFileError(
            source,
            f"ungültiges JSON: {json_reason(error.msg)}",
            line=error.lineno,
            column=error.colno,
        ) from None
    except RecursionError:
        raise ResultFileError(
            source, f"ist zu tief verschachtelt (höchstens {MAX_RESULT_DEPTH} Ebenen)"
        ) from None
    except ValueError as error:  # a number JSON allows but Python refuses or cannot hold
        raise ResultFileError(source, f"ungültige Zahl: {error}") from None
    if _depth(data) > MAX_RESULT_DEPTH:
        raise ResultFileError(
            source, f"ist zu tief verschachtelt (höchstens {MAX_RESULT_DEPTH} Ebenen)"
        )
    if not isinstance(data, dict) or "phases" not in data or "company" not in data:
        raise ResultFileError(
            source, "ist kein Audit-Ergebnis; erwartet: das JSON von `audit run --format json`"
        )
    _check_schema_version(source, data.get("schema_version"))
    try:
        return AuditResult.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        key_path = _key_path(problem["loc"])
        raise ResultFileError(
            source, validation_reason(problem), key_path=key_path or None
        ) from None


def _read_bounded(source: str, path: Path) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_RESULT_BYTES`; never blocks."""
    try:
        # Non-blocking: opening a FIFO must not wait for a writer.
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ResultFileError(source, "Datei nicht gefunden") from None
    except IsADirectoryError:
        raise ResultFileError(source, "ist ein Ordner; erwartet: eine JSON-Datei") from None
    except OSError as error:
        raise ResultFileError(source, f"lässt sich nicht lesen: {os_reason(error)}") from None
    try:
        status = os.fstat(handle)
        if stat.S_ISDIR(status.st_mode):
            raise ResultFileError(source, "ist ein Ordner; erwartet: eine JSON-Datei")
        if not stat.S_ISREG(status.st_mode):
            raise ResultFileError(
                source, "ist keine gewöhnliche Datei (z. B. eine Pipe oder ein Gerät)"
            )
        if status.st_size > MAX_RESULT_BYTES:
            raise ResultFileError(source, _too_large(status.st_size))
        with os.fdopen(handle, "rb", closefd=False) as stream:
            raw = stream.read(MAX_RESULT_BYTES + 1)
    except OSError as error:
        raise ResultFileError(source, f"lässt sich nicht lesen: {os_reason(error)}") from None
    finally:
        os.close(handle)
    if len(raw) > MAX_RESULT_BYTES:  # grew since fstat
        raise ResultFileError(source, _too_large(len(raw)))
    return raw


def _too_large(size: int) -> str:
    return (
        f"ist zu groß ({size:,} Bytes); ein gespeichertes Ergebnis hat höchstens "
        f"{MAX_RESULT_BYTES:,} Bytes".replace(",", ".")
    )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} ist in einem Ergebnis nicht erlaubt")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} ist zu groß")
    return value


def _depth(data: Any) -> int:
    """How deeply lists and objects nest in ``data`` (iteratively: no recursion limit)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Iterable[Any] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_RESULT_DEPTH:
            return deepest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def _check_schema_version(source: str, version: object) -> None:
    supported_major, _, newest_minor = SCHEMA_VERSION.partition(".")
    if not isinstance(version, str) or not version:
        raise ResultFileError(source, "hat keine schema_version; erwartet: ein Audit-Ergebnis")
    readable = f"{supported_major}.0 bis {SCHEMA_VERSION}"
    match = _VERSION.match(version)
    if match is None:
        raise ResultFileError(
            source,
            f"schema_version {version!r} ist keine Version der Form MAJOR.MINOR; diese "
            f"Version von Kundenkompass liest {readable}",
            key_path="schema_version",
        )
    major, minor = int(match.group(1)), int(match.group(2))
    if major > int(supported_major) or (
        major == int(supported_major) and minor > int(newest_minor)
    ):
        raise ResultFileError(
            source,
            f"schema_version {version!r} ist neuer als diese Version von Kundenkompass "
            f"({readable}); aktualisieren Sie Kundenkompass, um das Ergebnis zu lesen",
            key_path="schema_version",
        )
    if major < int(supported_major):
        raise ResultFileError(
            source,
            f"schema_version {version!r} wird nicht mehr gelesen; diese Version von "
            f"Kundenkompass liest {readable} (erstellen Sie das Ergebnis mit "
            "`audit run --format json` neu)",
            key_path="schema_version",
        )


def _key_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _normalized(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def _same_company(before: CompanyInfo, after: CompanyInfo) -> bool:
    if _normalized(before.name) != _normalized(after.name):
        return False
    # Two branches of one name at different places are different companies.
    return not (
        before.location
        and after.location
        and _normalized(before.location) != _normalized(after.location)
    )


def compare(
    before: AuditResult,
    after: AuditResult,
    before_source: str = "before",
    after_source: str = "after",
    names: FactNames | None = None,
) -> AuditDiff:
    """The progress from ``before`` to ``after``; refuses audits of different companies.

    With ``names`` (from the installed plugins), facts are named by their questions and
    values shown with their labels; without it, by what the results themselves state.
    """
    if not _same_company(before.company, after.company):
        raise ResultFileError(
            after_source,
            f"ist ein Audit von {_describe(after.company)}, {before_source} aber eines von "
            f"{_describe(before.company)}; audit diff vergleicht zwei Audits desselben "
            "Unternehmens",
        )
    numbers_before = {r.measure: n for n, r in enumerate(before.recommendations, start=1)}
    numbers_after = {r.measure: n for n, r in enumerate(after.recommendations, start=1)}
    by_before = {r.measure: r for r in before.recommendations}
    by_after = {r.measure: r for r in after.recommendations}
    known_after = _known_inputs(after)

    def change(recommendation: Recommendation) -> MeasureChange:
        measure = recommendation.measure
        earlier, later = by_before.get(measure), by_after.get(measure)
        return MeasureChange(
            measure=measure,
            title=recommendation.title,
            phase=recommendation.phase,
            phase_title=recommendation.phase_title,
            number_before=numbers_before.get(measure),
            number_after=numbers_after.get(measure),
            horizon_before=earlier.horizon if earlier else None,
            horizon_after=later.horizon if later else None,
        )

    gone = [r for r in before.recommendations if r.measure not in by_after]
    return AuditDiff(
        company=after.company,
        overall=_score_change(
            before.overall_score,
            after.overall_score,
            before.overall_maturity,
            after.overall_maturity,
        ),
        phases=_phase_changes(before, after),
        done=[change(r) for r in gone if _inputs_of(r, before) <= known_after],
        undetermined=[change(r) for r in gone if not _inputs_of(r, before) <= known_after],
        new=[change(r) for r in after.recommendations if r.measure not in by_before],
        still_open=[change(r) for r in after.recommendations if r.measure in by_before],
        answers_changed=_answer_changes(before, after),
        facts_changed=_fact_changes(before, after, names),
        open_questions_before=len(before.open_questions),
        open_questions_after=len(after.open_questions),
        rules_fingerprint_before=before.rules_fingerprint,
        rules_fingerprint_after=after.rules_fingerprint,
    )


def _known_inputs(result: AuditResult) -> set[str]:
    """Key paths of the answers and facts known in ``result``."""
    known = {
        f"answers.{item.item}"
        for phase in result.phases
        for item in phase.checklist
        if item.answer is not None
    }
    known |= {f"facts.{key}" for key in result.facts}
    known |= {f"facts.{fact.key}" for fact in result.derived_facts}
    return known


def _inputs_of(recommendation: Recommendation, result: AuditResult) -> set[str]:
    """The answers and facts a recommendation's reasons rest on, through derived facts."""
    steps = {fact.key: fact.steps for fact in result.derived_facts}
    found: set[str] = set()
    pending = [e for firing in recommendation.reasons for e in firing.evidence]
    seen: set[str] = set()
    while pending:
        evidence = pending.pop()
        if evidence.ref in seen:
            continue
        seen.add(evidence.ref)
        key = evidence.ref.partition(".")[2]
        if evidence.derived_by and key in steps:
            pending.extend(e for step in steps[key] for e in step.evidence)
        elif evidence.ref.startswith(("answers.", "facts.")):
            found.add(evidence.ref)
    return found


def diff_files(before: str | Path, after: str | Path, names: FactNames | None = None) -> AuditDiff:
    return compare(load_result(before), load_result(after), str(before), str(after), names)


def _describe(company: CompanyInfo) -> str:
    return repr(company.name) + (f" ({company.location})" if company.location else "")


def _score_change(
    before: float | None,
    after: float | None,
    maturity_before: str | None,
    maturity_after: str | None,
) -> ScoreChange:
    return ScoreChange(
        before=before,
        after=after,
        change=None if before is None or after is None else round(after - before, 1),
        maturity_before=maturity_before,
        maturity_after=maturity_after,
    )


def _phase_changes(before: AuditResult, after: AuditResult) -> list[PhaseChange]:
    earlier = {p.phase: p for p in before.phases}
    changes = []
    for phase in after.phases:
        old = earlier.get(phase.phase)
        base = _score_change(
            old.score if old else None,
            phase.score,
            old.maturity if old else None,
            phase.maturity,
        )
        changes.append(PhaseChange(phase=phase.phase, title=phase.title, **base.model_dump()))
    return changes


def _answer_changes(before: AuditResult, after: AuditResult) -> list[AnswerChange]:
    earlier = {item.item: item.answer for phase in before.phases for item in phase.checklist}
    changes = []
    for phase in after.phases:
        for item in phase.checklist:
            if item.item in earlier and earlier[item.item] != item.answer:
                changes.append(
                    AnswerChange(
                        item=item.item,
                        statement=item.statement,
                        phase=phase.phase,
                        phase_title=phase.title,
                        before=earlier[item.item],
                        after=item.answer,
                    )
                )
    return changes


class FactNames(Protocol):
    """How the installed plugins name a fact and show its values."""

    def label(self, ref: str) -> str | None: ...

    def shown(self, ref: str, value: Any) -> str: ...

    def derived(self, ref: str) -> bool: ...


def _fact_changes(
    before: AuditResult, after: AuditResult, names: FactNames | None
) -> list[FactChange]:
    """Facts whose value differs; an unknown value counts as a value of its own.

    ``facts`` of a result holds what the profile states and what Python derivations and
    thresholds compute; ``derived_facts`` what rules derive.
    """
    labels = _fact_labels(before) | _fact_labels(after)
    earlier = dict(before.facts) | {fact.key: fact.value for fact in before.derived_facts}
    later = dict(after.facts) | {fact.key: fact.value for fact in after.derived_facts}
    by_rules = {fact.key for fact in (*before.derived_facts, *after.derived_facts)}
    changes = []
    for key in sorted(set(earlier) | set(later)):
        old, new = earlier.get(key), later.get(key)
        if _same(old, new):
            continue
        ref = f"facts.{key}"
        known = names.label(ref) if names is not None else None
        derived = key in by_rules or (names is not None and names.derived(ref))
        if names is not None and known is not None:
            label = known
            before_shown = names.shown(ref, _value(old))
            after_shown = names.shown(ref, _value(new))
        else:
            shown = labels.get(ref, {})
            label = shown.get("", key)
            before_shown, after_shown = _shown(old, shown), _shown(new, shown)
        changes.append(
            FactChange(
                ref=ref,
                label=label,
                derived=derived,
                before=old,
                after=new,
                before_shown=before_shown,
                after_shown=after_shown,
            )
        )
    changes.sort(key=lambda change: change.derived)  # stated facts first, each by key
    return changes


def _value(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _same(first: Any, second: Any) -> bool:
    if isinstance(first, bool) or isinstance(second, bool):
        return first is second
    if isinstance(first, list) and isinstance(second, list):
        return sorted(map(str, first)) == sorted(map(str, second))
    return bool(first == second)


def _fact_labels(result: AuditResult) -> dict[str, dict[str, str]]:
    """Key path → {"": label, repr(value): shown value} from what a result states."""
    found: dict[str, dict[str, str]] = {}
    evidence = [e for r in result.recommendations for f in r.reasons for e in f.evidence]
    evidence += [e for fact in result.derived_facts for s in fact.steps for e in s.evidence]
    for item in evidence:
        entry = found.setdefault(item.ref, {})
        entry.setdefault("", item.label)
        entry.setdefault(repr(item.value), item.shown)
    for question in result.open_questions:
        found.setdefault(question.ref, {}).setdefault("", question.question.rstrip(".?"))
    for fact in result.derived_facts:
        found.setdefault(f"facts.{fact.key}", {})[""] = fact.label
    return found


def _shown(value: Any, known: dict[str, str]) -> str:
    if value is None:
        return text("answer.unbekannt")
    if repr(value) in known:
        return known[repr(value)]
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list):
        return ", ".join(str(member) for member in value) if value else "keine"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)
