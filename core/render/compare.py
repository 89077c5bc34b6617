"""Progress between two audits of the same company, from their saved JSON results.

A measure recommended before but not after counts as done, unless an answer or fact its
reasons rested on is unknown now: it is then listed as one that can no longer be judged,
since unknown is not false and a removed answer is no progress.
"""

from __future__ import annotations

import json
from pathlib import Path

from kundenkompass.errors import ResultFileError
from kundenkompass.results import (
    SCHEMA_VERSION,
    AuditResult,
    CompanyInfo,
    Recommendation,
    ResultModel,
)
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


def load_result(path: str | Path) -> AuditResult:
    """Read a result saved with ``audit run --format json``, with clear errors."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ResultFileError(source, "file not found") from None
    except IsADirectoryError:
        raise ResultFileError(source, "is a directory; expected a JSON file") from None
    except OSError as error:
        raise ResultFileError(source, f"cannot read: {error.strerror or error}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ResultFileError(source, f"is not UTF-8 text (byte {error.start + 1})") from None
    except json.JSONDecodeError as error:
        raise ResultFileError(
            source, f"invalid JSON: {error.msg}", line=error.lineno, column=error.colno
        ) from None
    if not isinstance(data, dict) or "phases" not in data or "company" not in data:
        raise ResultFileError(
            source, "is not an audit result; expected the JSON of `audit run --format json`"
        )
    _check_schema_version(source, data.get("schema_version"))
    try:
        return AuditResult.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        key_path = _key_path(problem["loc"])
        raise ResultFileError(source, problem["msg"], key_path=key_path or None) from None


def _check_schema_version(source: str, version: object) -> None:
    supported_major = SCHEMA_VERSION.split(".")[0]
    if not isinstance(version, str) or not version:
        raise ResultFileError(source, "has no schema_version; expected an audit result")
    major, _, minor = version.partition(".")
    newest_minor = SCHEMA_VERSION.partition(".")[2]
    if major != supported_major or (
        minor.isdigit() and newest_minor.isdigit() and int(minor) > int(newest_minor)
    ):
        raise ResultFileError(
            source,
            f"schema_version {version!r} is not supported; this version of Kundenkompass "
            f"reads {supported_major}.0 to {SCHEMA_VERSION}",
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
) -> AuditDiff:
    """The progress from ``before`` to ``after``; refuses audits of different companies."""
    if not _same_company(before.company, after.company):
        raise ResultFileError(
            after_source,
            f"is an audit of {_describe(after.company)}, but {before_source} is one of "
            f"{_describe(before.company)}; audit diff compares two audits of the same company",
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


def diff_files(before: str | Path, after: str | Path) -> AuditDiff:
    return compare(load_result(before), load_result(after), str(before), str(after))


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
