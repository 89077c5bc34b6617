"""Auditing many profiles at once, in parallel worker processes.

durable_rules never releases the GIL, so threads give no speed: a batch runs in worker
processes, and each worker builds its own engine once and audits a chunk of profiles at a
time. Records come back in the order the profiles were given. A profile that cannot be
read or audited becomes an error record; it never stops the batch or loses other results.

Workers are forked while the calling process has a single thread (they then start
without importing anything again); a process with more threads (a server, a GUI) gets
workers started with ``spawn`` instead, since forking a threaded process can deadlock.
Either way each worker builds its own engine; none inherits durable_rules state.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from kundenkompass.engine import Engine
from kundenkompass.errors import KundenkompassError
from kundenkompass.results import AuditResult
from kundenkompass.vocabulary import PHASES
from pydantic import BaseModel, ConfigDict

#: Exit code of an internal error, as the command line uses it.
INTERNAL_ERROR = 70
#: Profiles per task sent to a worker: enough to keep the inter-process traffic small,
#: few enough for a smooth progress bar and an even load.
MAX_CHUNK = 16

EngineFactory = Callable[[], Engine]


class BatchFailure(BaseModel):
    """Why one profile of a batch has no result."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Name of the error class, e.g. ``ProfileError`` or ``AuditError``.
    kind: str
    #: The message the command line prints for this profile.
    message: str
    #: The exit code ``audit run`` would have returned for this profile.
    exit_code: int


class BatchRecord(BaseModel):
    """The outcome of one profile of a batch: a result or an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Position of the profile in the batch (0-based).
    index: int
    #: The profile's path as given.
    profile: str
    #: The result as compact JSON (the content of ``AuditResult.to_json()``), if audited.
    result_json: str | None = None
    #: One summary row (see :data:`SUMMARY_COLUMNS`).
    summary: dict[str, str] = {}
    error: BatchFailure | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def result(self) -> AuditResult:
        """The typed result (raises ``ValueError`` for an error record)."""
        if self.result_json is None:
            raise ValueError(
                f"{self.profile}: no result: {self.error.message if self.error else ''}"
            )
        return AuditResult.model_validate_json(self.result_json)

    def to_jsonl(self) -> str:
        """One line of the JSON Lines output, ending in a newline."""
        name = json.dumps(self.profile, ensure_ascii=False)
        if self.result_json is not None:
            # The result's JSON is spliced in as it is: no second round of serialization.
            return f'{{"profile": {name}, "status": "ok", "result": {self.result_json}}}\n'
        assert self.error is not None
        error = json.dumps(self.error.model_dump(), ensure_ascii=False)
        return f'{{"profile": {name}, "status": "error", "error": {error}}}\n'


SUMMARY_COLUMNS: tuple[str, ...] = (
    "profile",
    "status",
    "company",
    "sector",
    "channels",
    "overall_score",
    "overall_maturity",
    *(f"score_{phase}" for phase in PHASES),
    "recommendations",
    "quick_wins",
    "open_questions",
    "top_measures",
    "top_measure_titles",
    "error",
)


class WorkerStartError(KundenkompassError):
    """A worker process could not build its engine (e.g. a broken plugin)."""

    def __init__(self, message: str, exit_code: int = 3) -> None:
        self.exit_code = exit_code
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes
        return (WorkerStartError, (str(self), self.exit_code))


def expand_profiles(arguments: Iterable[str | Path]) -> list[Path]:
    """Files as given; a folder stands for the ``*.toml`` files in it, sorted by name."""
    paths: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            paths.extend(sorted(p for p in path.glob("*.toml") if p.is_file()))
        else:
            paths.append(path)
    return paths


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def audit_one(engine: Engine, index: int, path: str | Path) -> BatchRecord:
    """Audit one profile file; any failure becomes an error record."""
    name = str(path)
    try:
        result = engine.audit(Path(path))
    except KundenkompassError as error:
        failure = BatchFailure(
            kind=type(error).__name__, message=str(error), exit_code=error.exit_code
        )
    except Exception as error:  # a bug shows in this profile's record, not in the batch
        failure = BatchFailure(
            kind="InternalError",
            message=f"{name}: internal error: {type(error).__name__}: {error}",
            exit_code=INTERNAL_ERROR,
        )
    else:
        return BatchRecord(
            index=index,
            profile=name,
            result_json=result.model_dump_json(),
            summary=summary_row(name, result),
        )
    return BatchRecord(
        index=index,
        profile=name,
        error=failure,
        summary=_error_row(name, failure),
    )


def audit_many(
    profiles: Sequence[str | Path],
    *,
    jobs: int | None = None,
    engine_factory: EngineFactory = Engine,
    on_record: Callable[[BatchRecord], None] | None = None,
    on_start: Callable[[], None] | None = None,
) -> list[BatchRecord]:
    """Audit profile files in ``jobs`` worker processes (default: all cores).

    Returns one record per profile in the given order; ``on_record`` is called as records
    arrive (in completion order), e.g. to advance a progress bar. ``on_start`` is called
    once the workers exist: start threads (such as a progress display) there, not before,
    so that workers can be forked. ``engine_factory`` must be picklable (a module-level
    function or class): each worker calls it once. With ``jobs=1`` the profiles are
    audited in this process, without workers.
    """
    names = [str(path) for path in profiles]
    jobs = max(1, min(jobs or default_jobs(), len(names) or 1))
    notify = on_record or (lambda record: None)
    started = on_start or (lambda: None)
    if jobs == 1:
        started()
        engine = engine_factory()
        records = []
        for index, name in enumerate(names):
            record = audit_one(engine, index, name)
            notify(record)
            records.append(record)
        return records
    return _audit_in_workers(names, jobs, engine_factory, notify, started)


def _audit_in_workers(
    names: list[str],
    jobs: int,
    engine_factory: EngineFactory,
    notify: Callable[[BatchRecord], None],
    started: Callable[[], None],
) -> list[BatchRecord]:
    size = max(1, min(MAX_CHUNK, len(names) // (jobs * 4)))
    numbered = list(enumerate(names))
    chunks = [numbered[start : start + size] for start in range(0, len(numbered), size)]
    records: list[BatchRecord | None] = [None] * len(names)
    executor = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context(_start_method()),
        initializer=_start_worker,
        initargs=(engine_factory,),
    )
    try:
        futures: dict[Future[list[BatchRecord]], list[tuple[int, str]]] = {
            executor.submit(_audit_chunk, chunk): chunk for chunk in chunks
        }
        started()
        for future in as_completed(futures):
            try:
                done = future.result()
            except BrokenProcessPool:
                # A worker died (e.g. killed for memory): its profiles get error records.
                done = [
                    _lost(index, name, "the worker process auditing it stopped unexpectedly")
                    for index, name in futures[future]
                ]
            for record in done:
                records[record.index] = record
                notify(record)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return [record for record in records if record is not None]


def _start_method() -> str:
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _lost(index: int, name: str, why: str) -> BatchRecord:
    failure = BatchFailure(
        kind="InternalError", message=f"{name}: internal error: {why}", exit_code=INTERNAL_ERROR
    )
    return BatchRecord(index=index, profile=name, error=failure, summary=_error_row(name, failure))


# ------------------------------------------------------------------ in the worker

_worker_engine: Engine | None = None
_worker_error: WorkerStartError | None = None


def _start_worker(engine_factory: EngineFactory) -> None:
    global _worker_engine, _worker_error
    # Ctrl-C is the parent's to handle; workers finish their chunk and are shut down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _worker_engine = engine_factory()
    except KundenkompassError as error:
        _worker_error = WorkerStartError(str(error), error.exit_code)
    except Exception as error:
        _worker_error = WorkerStartError(
            f"internal error: {type(error).__name__}: {error}", INTERNAL_ERROR
        )


def _audit_chunk(chunk: list[tuple[int, str]]) -> list[BatchRecord]:
    if _worker_error is not None:
        raise _worker_error
    assert _worker_engine is not None
    return [audit_one(_worker_engine, index, name) for index, name in chunk]


# ------------------------------------------------------------------ outputs


def jsonl(records: Iterable[BatchRecord]) -> str:
    """The JSON Lines output: one line per profile, in batch order."""
    return "".join(record.to_jsonl() for record in records)


def summary_csv(records: Iterable[BatchRecord]) -> str:
    """The CSV summary: one row per profile with scores and top measures."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(record.summary)
    return buffer.getvalue()


def summary_row(name: str, result: AuditResult) -> dict[str, str]:
    scores = {phase.phase: phase.score for phase in result.phases}
    titles = {r.measure: r.title for r in result.recommendations}
    row = {
        "profile": name,
        "status": "ok",
        "company": result.company.name,
        "sector": result.company.sector or "",
        "channels": " ".join(result.company.channels),
        "overall_score": _number(result.overall_score),
        "overall_maturity": result.overall_maturity or "",
        **{f"score_{phase}": _number(scores.get(phase)) for phase in PHASES},
        "recommendations": str(len(result.recommendations)),
        "quick_wins": str(sum(r.quick_win for r in result.recommendations)),
        "open_questions": str(len(result.open_questions)),
        "top_measures": " ".join(result.top_steps),
        "top_measure_titles": " | ".join(titles.get(m, m) for m in result.top_steps),
        "error": "",
    }
    return row


def _error_row(name: str, failure: BatchFailure) -> dict[str, str]:
    row = dict.fromkeys(SUMMARY_COLUMNS, "")
    row.update(profile=name, status="error", error=failure.message)
    return row


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
