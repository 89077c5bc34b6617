"""Auditing many profiles at once, in parallel worker processes, streamed to files.

durable_rules never releases the GIL, so threads give no speed: a batch runs in worker
processes, and each worker builds its own engine once and audits a chunk of profiles at a
time. Records come back in the order the profiles were given. A profile that cannot be
read or audited (whatever its file name) becomes an error record; it never stops the
batch or loses other results.

Memory stays flat in the number of profiles: only a bounded window of chunks is in flight,
and :func:`write_batch` writes each record to temporary files beside the outputs as soon
as it is next in input order. At the end (or when interrupted) the JSON Lines file and the
summary take their names together: the renames run with SIGINT and SIGTERM blocked, and a
commit note beside the output lets the next run finish them after a hard kill.

SIGINT and SIGTERM only note a stop request (:class:`StopRequest`); the batch stops between
records, so a record's JSON line and its summary row are always written together. Waiting
for workers polls with a short timeout, so a request is seen within a fraction of a second
even while a chunk is still being audited.

Workers are forked while the calling process has a single thread (they then start
without importing anything again); a process with more threads (a server, a GUI) gets
workers started with ``spawn`` instead, since forking a threaded process can deadlock.
Either way each worker builds its own engine; none inherits durable_rules state. On Linux
a worker dies with its parent, so no worker outlives an interrupted or killed batch.
"""

from __future__ import annotations

import contextlib
import csv
import json
import multiprocessing
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from kundenkompass.engine import Engine
from kundenkompass.errors import KundenkompassError, OutputError, ProfileError
from kundenkompass.files.limits import InputLimitError, Limits, parse_json
from kundenkompass.files.reasons import os_reason
from kundenkompass.files.together import finish_renames, rename_together, temporary_beside
from kundenkompass.results import AuditResult
from kundenkompass.vocabulary import PHASES
from pydantic import BaseModel, ConfigDict

#: Exit code of an internal error, as the command line uses it.
INTERNAL_ERROR = 70
#: Profiles per task sent to a worker: enough to keep the inter-process traffic small,
#: few enough for a smooth progress bar and an even load.
MAX_CHUNK = 16
#: Chunks in flight per worker: keeps workers busy while bounding what waits in memory.
CHUNKS_PER_WORKER = 4
#: How a summary is written: ``excel`` for a spreadsheet in a German locale (semicolons,
#: decimal commas, a UTF-8 byte order mark) or ``csv`` (RFC 4180: commas, decimal points).
SummaryFormat = Literal["excel", "csv"]
#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: Seconds between two looks at a stop request while waiting for a worker's chunk.
STOP_POLL_SECONDS = 0.1
#: Seconds a stopping batch waits for workers to end their current profile before it
#: ends them.
STOP_GRACE_SECONDS = 30.0
#: Seconds to wait for the executor's thread once stuck workers were ended.
STOP_KILL_JOIN_SECONDS = 10.0
#: The signals that stop a batch between two records.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: Limits for reading an earlier output back (``--resume``).
_OUTPUT_LIMITS = Limits(max_depth=32, max_text_length=100_000, max_items=100_000)

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
    #: The profile's path as given (file names that are not UTF-8 shown with escapes).
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
                f"{self.profile}: kein Ergebnis: {self.error.message if self.error else ''}"
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
_NUMBER_COLUMNS = frozenset({"overall_score", *(f"score_{phase}" for phase in PHASES)})


class WorkerStartError(KundenkompassError):
    """A worker process could not build its engine (e.g. a broken plugin)."""

    def __init__(self, message: str, exit_code: int = 3) -> None:
        self.exit_code = exit_code
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes
        return (WorkerStartError, (str(self), self.exit_code))


class BatchInterrupted(KundenkompassError):
    """A batch stopped by SIGINT or SIGTERM; the finished part has been kept."""

    def __init__(self, signal_number: int) -> None:
        self.signal_number = signal_number
        self.exit_code = 128 + signal_number
        super().__init__(f"abgebrochen durch {signal.Signals(signal_number).name}")


class StopRequest:
    """A request to stop a batch between two records, noted by a signal handler.

    The handler does nothing but note the first signal; the batch looks at
    :attr:`signal_number` between records and while it waits for workers.
    """

    def __init__(self) -> None:
        self.signal_number: int | None = None

    @property
    def requested(self) -> bool:
        return self.signal_number is not None

    def request(self, signal_number: int = signal.SIGTERM) -> None:
        """Ask the batch to stop (the first request's signal is kept)."""
        if self.signal_number is None:
            self.signal_number = signal_number

    def handle(self, signal_number: int, frame: object) -> None:
        """A signal handler: only notes the request."""
        self.request(signal_number)


@contextlib.contextmanager
def stop_on_signals(stop: StopRequest | None = None) -> Iterator[StopRequest]:
    """While inside, SIGINT and SIGTERM only note a stop request in the returned object.

    Signal handlers can only be set in the main thread; elsewhere the request is returned
    without handlers (a caller may still call :meth:`StopRequest.request`).
    """
    stop = stop or StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {number: signal.signal(number, stop.handle) for number in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            # None: a handler not set from Python; the default is the closest there is.
            signal.signal(number, signal.SIG_DFL if handler is None else handler)


def expand_profiles(arguments: Iterable[str | os.PathLike[str]]) -> list[Path]:
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


def profile_name(path: str | os.PathLike[str]) -> str:
    """The name a record carries: the path as given; bytes that are not UTF-8 escaped."""
    name = os.fspath(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def audit_one(engine: Engine, index: int, path: str | os.PathLike[str]) -> BatchRecord:
    """Audit one profile file; any failure becomes an error record."""
    name = profile_name(path)
    try:
        if name != os.fspath(path):
            raise ProfileError(
                name, "der Dateiname ist kein gültiges UTF-8; bitte die Datei umbenennen"
            )
        result = engine.audit(Path(path))
    except KundenkompassError as error:
        failure = BatchFailure(
            kind=type(error).__name__, message=str(error), exit_code=error.exit_code
        )
    except Exception as error:  # a bug shows in this profile's record, not in the batch
        failure = BatchFailure(
            kind="InternalError",
            message=f"{name}: interner Fehler: {type(error).__name__}: {error}",
            exit_code=INTERNAL_ERROR,
        )
    else:
        return BatchRecord(
            index=index,
            profile=name,
            result_json=result.model_dump_json(),
            summary=summary_row(name, result),
        )
    return BatchRecord(index=index, profile=name, error=failure, summary=_error_row(name, failure))


def audit_many(
    profiles: Sequence[str | os.PathLike[str]],
    *,
    jobs: int | None = None,
    engine_factory: EngineFactory = Engine,
    on_record: Callable[[BatchRecord], None] | None = None,
    on_start: Callable[[], None] | None = None,
) -> list[BatchRecord]:
    """Audit profile files in ``jobs`` worker processes (default: all cores).

    Returns one record per profile in the given order; ``on_record`` is called for each
    record in that order, e.g. to advance a progress bar. For batches too large to hold in
    memory use :func:`iter_records` or :func:`write_batch`. See :func:`iter_records` for
    ``on_start`` and ``engine_factory``.
    """
    notify = on_record or (lambda record: None)
    records = []
    for record in iter_records(
        profiles, jobs=jobs, engine_factory=engine_factory, on_start=on_start
    ):
        notify(record)
        records.append(record)
    return records


def iter_records(
    profiles: Sequence[str | os.PathLike[str]],
    *,
    jobs: int | None = None,
    engine_factory: EngineFactory = Engine,
    on_start: Callable[[], None] | None = None,
    indices: Sequence[int] | None = None,
    stop: StopRequest | None = None,
) -> Generator[BatchRecord, None, None]:
    """Audit profile files and yield their records in the given order, as they finish.

    Only a few chunks per worker are in flight, so memory does not grow with the number of
    profiles. ``on_start`` is called once the workers exist: start threads (such as a
    progress display) there, not before, so that workers can be forked. ``engine_factory``
    must be picklable (a module-level function or class): each worker calls it once. With
    ``jobs=1`` the profiles are audited in this process, without workers. ``indices`` gives
    the records' positions (default 0, 1, …). Closing the iterator early, or an exception
    such as KeyboardInterrupt while it waits, stops the workers. Once ``stop`` is requested
    the iterator ends at the next record (within :data:`STOP_POLL_SECONDS` while it waits
    for workers) and the workers are stopped.
    """
    names = [os.fspath(path) for path in profiles]
    numbered = list(zip(indices if indices is not None else range(len(names)), names, strict=True))
    jobs = max(1, min(jobs or default_jobs(), len(names) or 1))
    started = on_start or (lambda: None)
    stop = stop or StopRequest()
    if jobs == 1:
        started()
        engine = engine_factory()
        for index, name in numbered:
            if stop.requested:
                return
            yield audit_one(engine, index, name)
        return
    yield from _records_from_workers(numbered, jobs, engine_factory, started, stop)


def _records_from_workers(
    numbered: list[tuple[int, str]],
    jobs: int,
    engine_factory: EngineFactory,
    started: Callable[[], None],
    stop: StopRequest,
) -> Iterator[BatchRecord]:
    size = max(1, min(MAX_CHUNK, len(numbered) // (jobs * CHUNKS_PER_WORKER)))
    chunks = (numbered[start : start + size] for start in range(0, len(numbered), size))
    context = multiprocessing.get_context(_start_method())
    # Set when the batch stops early: workers then end their chunk before the next profile.
    halt = context.Event()
    executor = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_start_worker,
        initargs=(engine_factory, halt),
    )
    in_flight: list[tuple[Future[list[BatchRecord]], list[tuple[int, str]]]] = []
    finished = False
    try:
        for chunk in chunks:
            in_flight.append((executor.submit(_audit_chunk, chunk), chunk))
            if len(in_flight) >= jobs * CHUNKS_PER_WORKER:
                break
        started()
        while in_flight:
            future, chunk = in_flight.pop(0)
            # A short timeout, not a plain wait: a stop request is seen while a chunk runs.
            while not wait([future], timeout=STOP_POLL_SECONDS, return_when=FIRST_COMPLETED)[0]:
                if stop.requested:
                    return
            for record in _chunk_records(future, chunk):
                if stop.requested:
                    return
                yield record
            following = next(chunks, None)
            if following is not None:
                in_flight.append((executor.submit(_audit_chunk, following), following))
        finished = True
    finally:
        if finished:
            executor.shutdown(wait=True)
        else:
            _stop_workers(executor, [future for future, _ in in_flight], halt)


def _chunk_records(
    future: Future[list[BatchRecord]], chunk: list[tuple[int, str]]
) -> list[BatchRecord]:
    try:
        return future.result()
    except BrokenProcessPool:
        # A worker died (e.g. killed for memory): its profiles get error records.
        return [
            _lost(index, name, "der Arbeitsprozess, der es prüfte, hat unerwartet aufgehört")
            for index, name in chunk
        ]


def _stop_workers(
    executor: ProcessPoolExecutor, running: list[Future[list[BatchRecord]]], halt: Any
) -> None:
    """Stop the workers: cancel what waits, let running chunks end, wait for the processes.

    Workers are not killed while they may be sending a result: a worker ended halfway
    through leaves half a message in the result pipe, the executor's reader thread then
    waits for the rest forever, and the interpreter hangs at exit. So the workers are
    asked to stop before their next profile (``halt``) and only ended if they do not
    within :data:`STOP_GRACE_SECONDS`.
    """
    halt.set()
    # The executor's processes and result queue, taken before shutdown forgets them.
    table: dict[int, Any] = getattr(executor, "_processes", None) or {}
    workers = list(table.values())
    results = getattr(executor, "_result_queue", None)
    manager: threading.Thread | None = getattr(executor, "_executor_manager_thread", None)
    # Cancelled here, not by the executor's thread later: a future cancelled but not yet
    # noticed by the executor never counts as done for wait().
    started = [future for future in running if not future.cancel()]
    # Without waiting: a later shutdown(wait=True) would not wait any more (the executor
    # forgets its processes here), so the processes are joined below.
    executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    _, late = wait(started, timeout=STOP_GRACE_SECONDS)
    if not late:
        # Each worker ends once the executor has sent it its end-of-work marker.
        for worker in workers:
            worker.join(timeout=max(0.0, deadline - time.monotonic()))
        if not any(worker.is_alive() for worker in workers):
            # The executor's thread ends right after its workers; wait for it, or the next
            # batch in this process would see a second thread and not fork its workers.
            if manager is not None:
                manager.join(timeout=max(0.0, deadline - time.monotonic()))
            return
    # A worker stuck in one profile: end the processes (the executor offers no public way;
    # its process table is stable across the supported Python versions) ...
    for worker in workers:
        with contextlib.suppress(Exception):
            worker.terminate()
    for worker in workers:
        worker.join(timeout=5)
        if worker.is_alive():  # pragma: no cover - a worker that ignores SIGTERM
            worker.kill()
            worker.join()
    # ... and close this process's end of the result pipe, so that a reader waiting for
    # the rest of a message gets end-of-file instead of waiting forever.
    with contextlib.suppress(Exception):
        results._writer.close()  # type: ignore[union-attr]
    # The executor's thread then finds its workers gone and ends (with its queue's feeder
    # thread); as above, the next batch in this process must not see it.
    if manager is not None:
        manager.join(timeout=STOP_KILL_JOIN_SECONDS)


def _start_method() -> str:
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _lost(index: int, name: str, why: str) -> BatchRecord:
    shown = profile_name(name)
    failure = BatchFailure(
        kind="InternalError", message=f"{shown}: interner Fehler: {why}", exit_code=INTERNAL_ERROR
    )
    return BatchRecord(
        index=index, profile=shown, error=failure, summary=_error_row(shown, failure)
    )


# ------------------------------------------------------------------ in the worker

_worker_engine: Engine | None = None
_worker_error: WorkerStartError | None = None
#: The batch's stop event (a multiprocessing Event), if it has one.
_worker_halt: Any = None


def _start_worker(engine_factory: EngineFactory, halt: Any = None) -> None:
    global _worker_engine, _worker_error, _worker_halt
    _worker_halt = halt
    # Ctrl-C is the parent's to handle: it stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    try:
        _worker_engine = engine_factory()
    except KundenkompassError as error:
        _worker_error = WorkerStartError(str(error), error.exit_code)
    except Exception as error:
        _worker_error = WorkerStartError(
            f"interner Fehler: {type(error).__name__}: {error}", INTERNAL_ERROR
        )


def _die_with_parent() -> None:
    """On Linux, ask the kernel to end this worker when its parent ends (even by SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _audit_chunk(chunk: list[tuple[int, str]]) -> list[BatchRecord]:
    if _worker_error is not None:
        raise _worker_error
    assert _worker_engine is not None
    records = []
    for index, name in chunk:
        if _worker_halt is not None and _worker_halt.is_set():
            break  # the batch stops: the rest of the chunk is not needed
        records.append(audit_one(_worker_engine, index, name))
    return records


# ------------------------------------------------------------------ outputs


def jsonl(records: Iterable[BatchRecord]) -> str:
    """The JSON Lines output: one line per profile, in batch order."""
    return "".join(record.to_jsonl() for record in records)


def summary_csv(records: Iterable[BatchRecord], format: SummaryFormat = "csv") -> str:
    """The summary: one row per profile with scores and top measures (see :class:`SummaryWriter`)."""
    import io

    buffer = io.StringIO()
    writer = SummaryWriter(buffer, format)
    for record in records:
        writer.write(record.summary)
    text = buffer.getvalue()
    return text


class SummaryWriter:
    """Writes summary rows. ``excel``: semicolons, decimal commas and CRLF, as a German
    Excel opens by double click (the byte order mark is the file's, see :func:`write_batch`);
    ``csv``: RFC 4180 with commas. Either way no cell starts with a formula character: such
    cells get a leading apostrophe, as OWASP advises against CSV injection."""

    def __init__(self, stream: IO[str], format: SummaryFormat = "excel") -> None:
        self.format = format
        excel = format == "excel"
        self._writer = csv.writer(
            stream, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n"
        )
        self._writer.writerow(SUMMARY_COLUMNS)

    def write(self, row: dict[str, str]) -> None:
        self.write_cells(self.cells(row))

    def cells(self, row: dict[str, str]) -> list[str]:
        """The cells of ``row`` as written, in the order of the columns."""
        return [self._cell(column, row.get(column, "")) for column in SUMMARY_COLUMNS]

    def write_cells(self, cells: list[str]) -> None:
        self._writer.writerow(cells)

    def _cell(self, column: str, value: str) -> str:
        if column in _NUMBER_COLUMNS and self.format == "excel":
            return value.replace(".", ",")
        return safe_cell(value)


def safe_cell(value: str) -> str:
    """``value`` with a leading apostrophe if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


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


# ------------------------------------------------------------------ writing a batch


@dataclass
class BatchOutcome:
    """What :func:`write_batch` did."""

    #: Profiles in the batch, and how many of them have an error record.
    total: int = 0
    #: Records written (fewer than ``total`` when interrupted).
    written: int = 0
    failed: int = 0
    #: Records taken over from the earlier output (``resume``).
    resumed: int = 0
    #: Highest exit code among the error records (0 if none).
    worst_exit_code: int = 0
    #: Error messages, in input order (at most 1,000 are kept).
    errors: list[str] = field(default_factory=list)
    #: Set when a signal stopped the batch; the outputs then hold the finished part.
    interrupted: BatchInterrupted | None = None


def check_outputs(
    output: Path,
    summary: Path | None,
    *,
    force: bool,
    resume: bool,
    profiles: Sequence[Path] = (),
) -> None:
    """Refuse output locations that cannot be written, before any audit runs."""
    targets = [output] if summary is None else [output, summary]
    if summary is not None and _same_file(summary, output):
        raise OutputError(str(summary), "ist dieselbe Datei wie --output")
    inputs = {_key(path) for path in profiles}
    for target in targets:
        if _key(target) in inputs:
            raise OutputError(
                str(target), "ist eines der Profile; bitte einen anderen Dateinamen wählen"
            )
        if target.is_dir():
            raise OutputError(str(target), "ist ein Ordner; erwartet: ein Dateiname")
        folder = target.parent
        if not folder.is_dir():
            raise OutputError(str(target), f"der Ordner {str(folder)!r} existiert nicht")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(
                str(target), f"in den Ordner {str(folder)!r} darf nicht geschrieben werden"
            )
        if os.path.lexists(target):
            if not (force or resume):
                raise OutputError(str(target), "existiert bereits; --force ersetzt die Datei")
            if not stat.S_ISREG(os.lstat(target).st_mode):
                raise OutputError(
                    str(target), "ist keine gewöhnliche Datei; sie wird nicht ersetzt"
                )


def write_batch(
    profiles: Sequence[Path],
    output: Path,
    summary: Path | None = None,
    *,
    force: bool = False,
    resume: bool = False,
    summary_format: SummaryFormat = "excel",
    jobs: int | None = None,
    engine_factory: EngineFactory = Engine,
    on_record: Callable[[BatchRecord], None] | None = None,
    on_start: Callable[[], None] | None = None,
    stop: StopRequest | None = None,
) -> BatchOutcome:
    """Audit ``profiles`` and write the JSON Lines ``output`` (and ``summary``).

    Records are written in input order as they finish, to temporary files beside the
    outputs; at the end both take their names together. With ``resume`` the records of an
    earlier ``output`` are kept (except internal errors, e.g. from an interrupted run) and
    only the missing profiles are audited.

    Called in the main thread, the batch handles SIGINT and SIGTERM itself while it runs
    (see :func:`stop_on_signals`; the previous handlers are restored afterwards). A signal,
    or ``stop`` requested from another thread, stops the batch between two records: the
    workers are stopped, the finished part is written as the outputs (each record's JSON
    line with its summary row) and the outcome says ``interrupted``.
    """
    finish_renames(output)
    check_outputs(output, summary, force=force, resume=resume, profiles=profiles)
    kept = _earlier_records(output) if resume and output.exists() else {}
    names = [profile_name(path) for path in profiles]
    missing = [number for number, name in enumerate(names) if name not in kept]
    outcome = BatchOutcome(total=len(profiles))
    notify = on_record or (lambda record: None)
    with _Outputs(output, summary, summary_format) as outputs, stop_on_signals(stop) as stop:
        new = iter_records(
            [profiles[number] for number in missing],
            jobs=jobs,
            engine_factory=engine_factory,
            on_start=on_start,
            indices=missing,
            stop=stop,
        )
        try:
            for number, name in enumerate(names):
                # The only place a stop takes effect: between two complete records.
                if stop.requested:
                    break
                if name in kept:
                    record = _record_from_line(number, name, _read_line(output, kept[name]))
                    outcome.resumed += 1
                else:
                    following = next(new, None)
                    if following is None:  # stopped while waiting for a worker
                        break
                    record = following
                outputs.write(record)
                _count(outcome, record)
                notify(record)
        except KeyboardInterrupt:  # raised by a caller's callback, e.g. its own Ctrl-C handling
            stop.request(signal.SIGINT)
        finally:
            new.close()  # stops the workers if the batch did not finish
        if stop.signal_number is not None:
            outcome.interrupted = BatchInterrupted(stop.signal_number)
        outputs.commit()
    return outcome


def _count(outcome: BatchOutcome, record: BatchRecord) -> None:
    outcome.written += 1
    if record.error is None:
        return
    outcome.failed += 1
    outcome.worst_exit_code = max(outcome.worst_exit_code, record.error.exit_code)
    if len(outcome.errors) < 1000:
        outcome.errors.append(record.error.message)


def _earlier_records(output: Path) -> dict[str, tuple[int, int]]:
    """Profile name → (offset, length) of its line in an earlier output, for records worth
    keeping; a line that cannot be read is skipped (its profile is audited again)."""
    kept: dict[str, tuple[int, int]] = {}
    offset = 0
    try:
        with output.open("rb") as stream:
            for line in stream:
                position, offset = offset, offset + len(line)
                try:
                    entry = parse_json(line, _OUTPUT_LIMITS)
                except InputLimitError:
                    continue
                if not isinstance(entry, dict) or not isinstance(entry.get("profile"), str):
                    continue
                status = entry.get("status")
                error = entry.get("error")
                if (status == "ok" and isinstance(entry.get("result"), dict)) or (
                    status == "error"
                    and isinstance(error, dict)
                    and error.get("kind") != "InternalError"
                ):
                    kept[entry["profile"]] = (position, len(line))
    except OSError as error:
        raise OutputError(
            str(output), f"lässt sich zum Fortsetzen nicht lesen: {os_reason(error)}"
        ) from None
    return kept


def _read_line(output: Path, where: tuple[int, int]) -> bytes:
    with output.open("rb") as stream:
        stream.seek(where[0])
        return stream.read(where[1])


def _record_from_line(index: int, name: str, line: bytes) -> BatchRecord:
    entry = parse_json(line, _OUTPUT_LIMITS)
    if entry["status"] == "ok":
        result = AuditResult.model_validate(entry["result"])
        return BatchRecord(
            index=index,
            profile=name,
            result_json=result.model_dump_json(),
            summary=summary_row(name, result),
        )
    failure = BatchFailure.model_validate(entry["error"])
    return BatchRecord(index=index, profile=name, error=failure, summary=_error_row(name, failure))


class _Outputs:
    """Temporary files beside the outputs, renamed together by :meth:`commit`."""

    def __init__(self, output: Path, summary: Path | None, summary_format: SummaryFormat):
        self.targets = [output] if summary is None else [output, summary]
        self.temporaries: list[Path] = []
        self.streams: list[IO[str]] = []
        self.summary_writer: SummaryWriter | None = None
        self.summary_format = summary_format
        self.committed = False

    def __enter__(self) -> _Outputs:
        try:
            for number, target in enumerate(self.targets):
                temporary = temporary_beside(target)
                self.temporaries.append(temporary)
                excel = number == 1 and self.summary_format == "excel"
                # The byte order mark tells Excel the file is UTF-8 (umlauts in names).
                stream = temporary.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="")
                self.streams.append(stream)
            if len(self.streams) > 1:
                self.summary_writer = SummaryWriter(self.streams[1], self.summary_format)
        except BaseException:
            self._discard()
            raise
        return self

    def write(self, record: BatchRecord) -> None:
        line = record.to_jsonl()
        cells = self.summary_writer.cells(record.summary) if self.summary_writer else None
        try:
            try:
                self.streams[0].write(line)
            finally:
                # The batch's own signal handlers only note a stop, but a caller's handler
                # may raise anywhere: once the line is written, its summary row is too.
                if self.summary_writer is not None and cells is not None:
                    self.summary_writer.write_cells(cells)
        except OSError as error:
            raise OutputError(
                str(self.targets[0]), f"lässt sich nicht schreiben: {os_reason(error)}"
            ) from None

    def commit(self) -> None:
        """Flush both files to disk, then give them their names together."""
        try:
            for stream in self.streams:
                stream.flush()
                os.fsync(stream.fileno())
                stream.close()
        except OSError as error:
            raise OutputError(
                str(self.targets[0]), f"lässt sich nicht schreiben: {os_reason(error)}"
            ) from None
        rename_together(list(zip(self.temporaries, self.targets, strict=True)))
        self.committed = True

    def __exit__(self, *exc_info: object) -> None:
        if not self.committed:
            self._discard()

    def _discard(self) -> None:
        for stream in self.streams:
            with contextlib.suppress(OSError):
                stream.close()
        for temporary in self.temporaries:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()


def _same_file(first: Path, second: Path) -> bool:
    return _key(first) == _key(second)


def _key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path)
