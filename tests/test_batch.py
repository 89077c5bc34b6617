"""`audit batch` and kundenkompass.tools.batch: many profiles, in parallel, bad ones skipped."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from kundenkompass.engine import Engine
from kundenkompass.errors import PluginError
from kundenkompass.tools import batch

from .conftest import ROOT, run_cli

RADHAUS = ROOT / "examples" / "radhaus.toml"
BAD = '[company]\nname = "Kaputt"\nchannels = ["laden"]\n[answers]\ngoogle_profil = "ja"\n'


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    """Three good profiles, one bad one, in a folder."""
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    text = RADHAUS.read_text(encoding="utf-8")
    for number, answer in enumerate(["nein", "ja", "teilweise"], start=1):
        changed = text.replace("Radhaus Beispiel", f"Radhaus {number}").replace(
            'google_business_profil = "nein"', f'google_business_profil = "{answer}"'
        )
        (profiles / f"p{number}.toml").write_text(changed, encoding="utf-8")
    (profiles / "p0_kaputt.toml").write_text(BAD, encoding="utf-8")
    (profiles / "notes.txt").write_text("not a profile", encoding="utf-8")
    return profiles


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_batch_in_parallel_reports_bad_profiles_and_keeps_the_rest(folder, tmp_path, engine):
    output, summary = tmp_path / "results.jsonl", tmp_path / "summary.csv"
    missing = tmp_path / "fehlt.toml"
    done = run_cli(
        "batch", str(folder), str(missing), "--output", str(output), "--summary", str(summary),
        "--jobs", "2",
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "3 von 5 Profilen geprüft" in done.stderr
    assert "Traceback" not in done.stderr

    records = read_jsonl(output)
    names = [Path(r["profile"]).name for r in records]
    assert names == ["p0_kaputt.toml", "p1.toml", "p2.toml", "p3.toml", "fehlt.toml"]
    assert [r["status"] for r in records] == ["error", "ok", "ok", "ok", "error"]

    # The same message and exit code as `audit run` on the bad profile.
    alone = run_cli("run", str(folder / "p0_kaputt.toml"))
    assert records[0]["error"]["exit_code"] == alone.returncode == 2
    assert alone.stderr.strip() == f"audit: Fehler: {records[0]['error']['message']}"
    assert records[0]["error"]["message"] in done.stderr
    assert records[4]["error"]["kind"] == "ProfileError"

    # Each result is exactly what the engine computes for that profile.
    for record in records[1:4]:
        expected = engine.audit(Path(record["profile"])).to_json()
        assert record["result"] == json.loads(expected)

    # The default summary opens in a German Excel: BOM, semicolons, decimal commas.
    assert summary.read_bytes().startswith(b"\xef\xbb\xbfprofile;status;")
    rows = list(csv.DictReader(summary.open(encoding="utf-8-sig"), delimiter=";"))
    assert [row["status"] for row in rows] == ["error", "ok", "ok", "ok", "error"]
    assert rows[1]["company"] == "Radhaus 1"
    first = records[1]["result"]
    assert rows[1]["overall_score"] == f"{first['overall_score']:g}".replace(".", ",")
    assert rows[1]["top_measures"].split() == first["top_steps"]
    assert "google_business_profil_anlegen" in rows[1]["top_measures"]
    assert "google_business_profil_anlegen" not in rows[2]["top_measures"]
    assert rows[0]["error"] == records[0]["error"]["message"]


def test_batch_with_one_job_matches_parallel(folder, tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run_cli("batch", str(folder), "-o", str(one), "-j", "1").returncode == 2
    assert run_cli("batch", str(folder), "-o", str(two), "-j", "2").returncode == 2
    assert one.read_bytes() == two.read_bytes()


def test_all_good_profiles_exit_zero(tmp_path):
    output = tmp_path / "out.jsonl"
    done = run_cli("batch", str(RADHAUS), str(RADHAUS), "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert [r["status"] for r in read_jsonl(output)] == ["ok", "ok"]


def test_existing_output_is_kept_without_force(tmp_path):
    output = tmp_path / "out.jsonl"
    output.write_text("keep me", encoding="utf-8")
    done = run_cli("batch", str(RADHAUS), "-o", str(output))
    assert done.returncode == 2
    assert "existiert bereits; --force ersetzt" in done.stderr
    assert output.read_text(encoding="utf-8") == "keep me"
    assert run_cli("batch", str(RADHAUS), "-o", str(output), "--force").returncode == 0
    assert read_jsonl(output)[0]["status"] == "ok"


def test_no_profiles_is_an_input_error(tmp_path):
    done = run_cli("batch", str(tmp_path), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 2
    assert "keine Profile gefunden" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_missing_output_folder_fails_before_auditing(tmp_path):
    done = run_cli("batch", str(RADHAUS), "-o", str(tmp_path / "nope" / "out.jsonl"))
    assert done.returncode == 2
    assert "existiert nicht" in done.stderr


# ---------------------------------------------------------------- library API


def test_audit_many_in_process_keeps_order_and_reports_progress(folder):
    seen = []
    paths = batch.expand_profiles([folder])
    records = batch.audit_many(paths, jobs=1, on_record=seen.append)
    assert [r.index for r in records] == [0, 1, 2, 3]
    assert len(seen) == 4
    assert not records[0].ok and records[0].error.kind == "ProfileError"
    assert records[1].result().company.name == "Radhaus 1"
    with pytest.raises(ValueError, match="kein Ergebnis"):
        records[0].result()


def broken_engine() -> Engine:
    raise PluginError("kaputt", "cannot load")


def test_a_worker_that_cannot_build_its_engine_stops_the_batch(folder):
    with pytest.raises(batch.WorkerStartError, match="Plugin 'kaputt': cannot load") as caught:
        batch.audit_many(batch.expand_profiles([folder]), jobs=2, engine_factory=broken_engine)
    assert caught.value.exit_code == 3


def test_an_unexpected_error_becomes_an_internal_error_record(monkeypatch, engine):
    def explode(profile):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "audit", explode)
    record = batch.audit_one(engine, 0, RADHAUS)
    assert record.error.kind == "InternalError"
    assert record.error.exit_code == 70
    assert "RuntimeError: boom" in record.error.message
    assert json.loads(record.to_jsonl())["status"] == "error"


def test_forked_and_spawned_workers_give_the_same_records(folder, monkeypatch):
    paths = batch.expand_profiles([folder])
    monkeypatch.setattr(batch, "_start_method", lambda: "fork")
    forked = batch.audit_many(paths, jobs=2)
    monkeypatch.setattr(batch, "_start_method", lambda: "spawn")
    spawned = batch.audit_many(paths, jobs=2)
    assert [r.to_jsonl() for r in forked] == [r.to_jsonl() for r in spawned]
    assert [r.ok for r in forked] == [False, True, True, True]


def test_a_process_with_threads_does_not_fork():
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait)
    helper.start()
    try:
        assert batch._start_method() == "spawn"
    finally:
        stop.set()
        helper.join()


def test_batch_applies_rulesets_like_audit_run(tmp_path):
    moebel = ROOT / "rulesets" / "moebel.toml"
    profile = tmp_path / "fahrrad.toml"
    profile.write_text(
        '[company]\nname = "Rad und Tisch"\nsector = "fahrradhandel"\nchannels = ["laden"]\n'
        "[facts]\nlieferung_aufbau_im_preis = false\n",
        encoding="utf-8",
    )
    output = tmp_path / "out.jsonl"
    done = run_cli(
        "batch",
        str(profile),
        "-o",
        str(output),
        "-j",
        "2",
        "--ruleset",
        str(moebel),
        "--all-sectors",
    )
    assert done.returncode == 0, done.stderr
    (record,) = read_jsonl(output)
    expected = Engine(rulesets=[moebel], rulesets_all_sectors=True).audit(profile).to_json()
    assert record["result"] == json.loads(expected)
    assert "moebel" in {r["name"] for r in record["result"]["rulesets"]}


# ---------------------------------------------------------------- streaming and safety


def many_profiles(folder: Path, count: int) -> Path:
    folder.mkdir(exist_ok=True)
    text = RADHAUS.read_text(encoding="utf-8")
    for number in range(count):
        (folder / f"p{number:05d}.toml").write_text(
            text.replace("Radhaus Beispiel", f"Radhaus {number}"), encoding="utf-8"
        )
    return folder


def test_plain_csv_summary_and_formula_cells_are_defused(tmp_path):
    profile = tmp_path / "=HYPERLINK(1).toml"
    profile.write_text(
        RADHAUS.read_text(encoding="utf-8").replace("Radhaus Beispiel", "@SUM(A1)"),
        encoding="utf-8",
    )
    output, summary = tmp_path / "out.jsonl", tmp_path / "summary.csv"
    done = run_cli(
        "batch", str(profile), "-o", str(output), "--summary", str(summary),
        "--summary-format", "csv",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(summary.open(encoding="utf-8")))
    assert rows[0]["company"] == "'@SUM(A1)"
    assert read_jsonl(output)[0]["result"]["company"]["name"] == "@SUM(A1)"
    for cell in ("=1+1", "+1", "-1", "@x", "\tx", "\rx"):
        assert batch.safe_cell(cell) == "'" + cell
    assert batch.safe_cell("Radhaus") == "Radhaus"


def test_a_file_name_that_is_not_utf8_is_reported_and_skipped(tmp_path):
    folder = many_profiles(tmp_path / "profiles", 2)
    odd = os.fsencode(folder) + b"/caf\xe9.toml"
    with open(odd, "wb") as stream:
        stream.write(RADHAUS.read_bytes())
    output, summary = tmp_path / "out.jsonl", tmp_path / "summary.csv"
    done = run_cli("batch", str(folder), "-o", str(output), "--summary", str(summary))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "interner Fehler" not in done.stderr
    records = read_jsonl(output)
    assert [r["status"] for r in records] == ["error", "ok", "ok"]
    assert records[0]["profile"].endswith("caf\\xe9.toml")
    assert "kein gültiges UTF-8" in records[0]["error"]["message"]


@pytest.mark.parametrize("case", ["folder-as-output", "unwritable-folder", "special-file"])
def test_the_output_location_is_checked_before_any_audit(tmp_path, case):
    if case == "folder-as-output":
        target = tmp_path / "ordner"
        target.mkdir()
        fragment = "ist ein Ordner"
    elif case == "unwritable-folder":
        if os.geteuid() == 0:
            pytest.skip("root may write to any folder")
        folder = tmp_path / "gesperrt"
        folder.mkdir(mode=0o500)
        target = folder / "out.jsonl"
        fragment = "not writable"
    else:
        target = tmp_path / "fifo"
        os.mkfifo(target)
        fragment = "keine gewöhnliche Datei"
    started = time.monotonic()
    done = run_cli("batch", str(RADHAUS), "-o", str(target), "--force")
    assert done.returncode == 2, done.stderr
    assert fragment in done.stderr and "Audits" not in done.stderr
    assert time.monotonic() - started < 60


def test_a_kill_between_the_renames_is_finished_by_the_next_run(tmp_path):
    output, summary = tmp_path / "out.jsonl", tmp_path / "summary.csv"
    assert (
        run_cli("batch", str(RADHAUS), "-o", str(output), "--summary", str(summary)).returncode == 0
    )
    old_summary = summary.read_bytes()
    # The state a SIGKILL leaves after renaming the JSON Lines but not yet the summary.
    pending = tmp_path / ".summary.csv.0123.tmp"
    pending.write_bytes(old_summary.replace(b"Radhaus", b"Neuhaus"))
    note = tmp_path / ".out.jsonl.commit"
    note.write_text(
        json.dumps([[str(tmp_path / ".gone.tmp"), str(output)], [str(pending), str(summary)]])
    )
    done = run_cli("batch", str(RADHAUS), "-o", str(output), "--summary", str(summary), "--force")
    assert done.returncode == 0, done.stderr
    assert not note.exists() and not pending.exists()
    assert summary.read_bytes() == old_summary  # finished, then replaced by the new run


def workers_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_workers_keeps_the_finished_part_and_resume_completes(
    tmp_path, signal_number
):
    folder = many_profiles(tmp_path / "profiles", 400)
    output, summary = tmp_path / "out.jsonl", tmp_path / "summary.csv"
    arguments = [sys.executable, "-m", "kundenkompass", "batch", str(folder), "-o", str(output),
                 "--summary", str(summary), "-j", "2"]  # fmt: skip
    process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = workers_of(process.pid)
        time.sleep(0.1)
    assert len(workers) == 2, "workers did not start"
    # Let some audits finish.
    temporary = None
    while time.monotonic() < deadline:
        found = list(tmp_path.glob(".out.jsonl.*.tmp"))
        if found and found[0].stat().st_size > 50_000:
            temporary = found[0]
            break
        time.sleep(0.1)
    assert temporary is not None, "no audits finished"
    process.send_signal(signal_number)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal_number, stderr
    assert "weiter mit --resume" in stderr and "Traceback" not in stderr
    for worker in workers:
        assert not alive(worker), f"worker {worker} left behind"
    finished = read_jsonl(output)
    assert 0 < len(finished) < 400
    assert [r["profile"] for r in finished] == sorted(r["profile"] for r in finished)
    summary_rows = list(csv.reader(summary.open(encoding="utf-8-sig", newline=""), delimiter=";"))
    # Stopped between records: each JSON line has its summary row, and nothing more.
    assert [row[0] for row in summary_rows[1:]] == [r["profile"] for r in finished]
    assert not list(tmp_path.glob(".*.tmp"))

    done = run_cli(
        "batch", str(folder), "-o", str(output), "--summary", str(summary), "-j", "2", "--resume"
    )
    assert done.returncode == 0, done.stderr
    assert f"({len(finished)} aus der früheren Ausgabe behalten)" in done.stderr
    complete = read_jsonl(output)
    assert [Path(r["profile"]).name for r in complete] == [f"p{n:05d}.toml" for n in range(400)]
    assert complete[: len(finished)] == finished
    assert (
        len(list(csv.reader(summary.open(encoding="utf-8-sig", newline=""), delimiter=";"))) == 401
    )


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_stop_request_ends_the_batch_between_two_records(tmp_path, jobs):
    folder = many_profiles(tmp_path / "profiles", 40)
    output, summary = tmp_path / "out.jsonl", tmp_path / "summary.csv"
    stop = batch.StopRequest()
    handler_before = signal.getsignal(signal.SIGTERM)

    def after_each(record: batch.BatchRecord) -> None:
        if record.index == 4:
            stop.request(signal.SIGTERM)

    outcome = batch.write_batch(
        batch.expand_profiles([folder]), output, summary, jobs=jobs, on_record=after_each,
        stop=stop,
    )  # fmt: skip
    assert outcome.interrupted is not None and outcome.interrupted.exit_code == 143
    assert outcome.written == 5
    assert [Path(r["profile"]).name for r in read_jsonl(output)] == [
        f"p{n:05d}.toml" for n in range(5)
    ]
    rows = list(csv.reader(summary.open(encoding="utf-8-sig", newline=""), delimiter=";"))
    assert len(rows) == 6
    assert not multiprocessing.active_children()
    assert not list(tmp_path.glob(".*.tmp"))
    # The handlers the batch set for its run are gone again.
    assert signal.getsignal(signal.SIGTERM) == handler_before


def test_a_stop_request_is_seen_while_waiting_for_a_worker(folder):
    paths = batch.expand_profiles([folder]) * 20
    stop = batch.StopRequest()
    threads = threading.active_count()
    records = batch.iter_records(paths, jobs=2, stop=stop)
    assert next(records).index == 0
    stop.request(signal.SIGINT)
    started = time.monotonic()
    assert list(records) == []
    assert time.monotonic() - started < 10
    assert not multiprocessing.active_children()
    # The executor's thread is gone too: the next batch in this process forks its workers.
    assert threading.active_count() == threads


def test_iter_records_streams_in_order_with_a_bounded_window(folder):
    paths = batch.expand_profiles([folder]) * 20
    records = batch.iter_records(paths, jobs=2)
    first = next(records)
    assert first.index == 0
    records.close()  # stops the workers early
    streamed = list(batch.iter_records(paths, jobs=2))
    assert [r.index for r in streamed] == list(range(len(paths)))


class EngineStuckInOneProfile:
    """An engine that never finishes the profile ``p3.toml`` (as a runaway plugin would)."""

    def __init__(self) -> None:
        self.engine = Engine()

    def audit(self, path: Path):
        if Path(path).name == "p3.toml":
            time.sleep(3600)
        return self.engine.audit(path)


def test_a_worker_stuck_in_a_profile_is_ended_after_the_grace_period(folder, monkeypatch):
    monkeypatch.setattr(batch, "STOP_GRACE_SECONDS", 1.0)
    paths = sorted(batch.expand_profiles([folder])) * 4  # p3.toml comes early
    stop = batch.StopRequest()
    threads = threading.active_count()
    timer = threading.Timer(3, stop.request, args=(signal.SIGTERM,))
    timer.start()
    started = time.monotonic()
    try:
        records = list(
            batch.iter_records(paths, jobs=2, engine_factory=EngineStuckInOneProfile, stop=stop)
        )
    finally:
        timer.cancel()
    # Only the records before p3.toml (the fourth profile) are finished, in order; the
    # stuck worker is terminated once the grace period is over instead of holding the
    # batch for an hour.
    assert [record.index for record in records] == list(range(len(records)))
    assert len(records) < 3
    assert time.monotonic() - started < 3 + 1 + 15
    assert not multiprocessing.active_children()
    assert threading.active_count() == threads
