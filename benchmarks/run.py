"""Kundenkompass benchmark: prints a table of measurements next to their floors and targets.

    .venv/bin/python benchmarks/run.py            # default sizes, a few minutes on 2 cores
    .venv/bin/python benchmarks/run.py --full     # the sizes of the performance targets
    .venv/bin/python benchmarks/run.py --write-docs docs/performance.md   # table into the docs

Measures, in one run:

* `audit run` on the example profile, median wall time of cold runs, against the floor
  (`floor.py`: a bare Python importing durable_rules, pluggy and pydantic, defining one
  model and compiling the same rulesets), and against the floor with the other libraries
  `audit run` uses (`floor_libraries.py`: typer, platformdirs, Babel, rich);
* in-process audits per second on generated profiles, against raw durable_rules on the
  same compiled rules and facts (`raw_durable.py`), best of three alternate rounds each;
* `audit batch` audits per second with one worker and with all cores;
* rule count scaling: 100, 1,000 and 5,000 generated rules spread over ten plugin
  objects (compile time, time per audit, and a check that exactly the rules fire that the
  three-valued evaluator says should);
* peak memory of one engine after 1,000 and after many audits (`memory.py`).

Timings depend on the machine and its load; the table prints both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from kundenkompass import __version__  # noqa: E402
from kundenkompass.engine import Engine  # noqa: E402
from kundenkompass.inference.compile import FACT_TYPE, property_name  # noqa: E402
from kundenkompass.inference.explain import all_known  # noqa: E402
from kundenkompass.profile.known_values import known_values  # noqa: E402
from kundenkompass.rules.evaluate import evaluate  # noqa: E402

EXAMPLE = ROOT / "examples" / "radhaus.toml"
#: Alternate rounds of the throughput comparison; the best round of each side counts.
THROUGHPUT_ROUNDS = 3


@dataclass
class Row:
    measure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: str = ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="the sizes of the targets")
    parser.add_argument("--cold-runs", type=int, help="cold runs of each command [9]")
    parser.add_argument("--profiles", type=int, help="profiles audited in process [2000; 10000]")
    parser.add_argument("--batch-profiles", type=int, help="profiles per batch run [2000; 2000]")
    parser.add_argument("--memory-audits", type=int, help="audits for memory [10000; 100000]")
    parser.add_argument("--rule-audits", type=int, help="audits per rule set size [20; 50]")
    parser.add_argument("--requests", type=int, help="requests to `audit serve` [500; 2000]")
    parser.add_argument(
        "--write-docs",
        type=Path,
        metavar="FILE",
        help="also write the machine and the table into FILE (docs/performance.md), between "
        "its result markers",
    )
    parser.add_argument(
        "--only",
        default="start,throughput,batch,service,rules,memory",
        help="comma-separated parts to run: start, throughput, batch, service, rules, memory",
    )
    options = parser.parse_args()
    full = options.full
    cold_runs = options.cold_runs or 9
    profiles = options.profiles or (10_000 if full else 2_000)
    # A batch pays its start (imports, engine, the final fsync: about half a second) once,
    # with one worker or two; 300 profiles (4 s) would bound the ratio near 1.7× even with
    # perfect scaling, so the batch rows always use the size of the target.
    batch_profiles = options.batch_profiles or 2_000
    memory_audits = options.memory_audits or (100_000 if full else 10_000)
    rule_audits = options.rule_audits or (50 if full else 20)
    requests = options.requests or (2_000 if full else 500)
    parts = set(options.only.split(","))

    machine = machine_info()
    machine_line = "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items())
    print(machine_line, flush=True)
    rows: list[Row] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kk-bench-") as scratch:
        work = Path(scratch)
        engine = Engine()
        rules_file = dump_rulesets(engine, work / "rulesets.json")
        if "start" in parts:
            rows += cold_start(rules_file, cold_runs)
        if "throughput" in parts:
            rows += throughput(engine, work, profiles)
        if "batch" in parts:
            rows += batch(engine, work, batch_profiles)
        if "service" in parts:
            rows += service(engine, requests)
        if "rules" in parts:
            rows += rule_scaling(rule_audits)
        if "memory" in parts:
            rows += memory(memory_audits)
    table = table_lines(rows)
    total = (
        f"Total {time.perf_counter() - started:.0f} s; load average at the end "
        f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print()
    print("\n".join(table))
    print()
    print(total)
    if options.write_docs:
        command = " ".join(["benchmarks/run.py", *sys.argv[1:]])
        write_docs(
            options.write_docs, [f"`{command}`", "", machine_line + ".", total + ".", "", *table]
        )


DOCS_START = "<!-- results of benchmarks/run.py --write-docs: begin -->"
DOCS_END = "<!-- results of benchmarks/run.py --write-docs: end -->"


def write_docs(path: Path, lines: list[str]) -> None:
    """Replace what stands between the result markers of ``path`` with ``lines``."""
    text = path.read_text(encoding="utf-8")
    before, start, rest = text.partition(DOCS_START)
    _, end, after = rest.partition(DOCS_END)
    if not start or not end:
        raise SystemExit(f"{path}: the markers {DOCS_START!r} and {DOCS_END!r} are missing")
    path.write_text(
        before + DOCS_START + "\n" + "\n".join(lines) + "\n" + DOCS_END + after, encoding="utf-8"
    )
    progress(f"results written to {path}")


# ------------------------------------------------------------------ parts


def cold_start(rules_file: Path, runs: int) -> list[Row]:
    progress(f"cold start: {runs} runs each of `audit run` and the floor")
    audit = [sys.executable, "-m", "kundenkompass", "run", str(EXAMPLE)]
    floor = [sys.executable, str(HERE / "floor.py"), str(rules_file)]
    libraries = [sys.executable, str(HERE / "floor_libraries.py"), str(rules_file)]
    # Both sides run from compiled bytecode, as every installed module does (pip compiles
    # it at install time; the floor's libraries come compiled). With PYTHONDONTWRITEBYTECODE
    # set, an editable install would compile Kundenkompass from source on every run.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    # The first runs warm the file system cache and fill the start-up caches (bytecode,
    # parsed data files, compiled catalog), as any earlier run of the same installation
    # does; the timed runs are warm starts of a new process.
    wall(audit), wall(floor), wall(libraries)
    audit_times, floor_times, library_times = [], [], []
    for _ in range(runs):  # interleaved, so that load changes hit all alike
        audit_times.append(wall(audit))
        floor_times.append(wall(floor))
        library_times.append(wall(libraries))
    audit_median, floor_median = statistics.median(audit_times), statistics.median(floor_times)
    library_median = statistics.median(library_times)
    ratio = audit_median / floor_median
    stages = [
        json.loads(
            subprocess.run(
                [sys.executable, str(HERE / "start_stages.py"), str(EXAMPLE)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(3)
    ]
    parts = ", ".join(
        f"{name} {statistics.median(s[name] for s in stages) * 1000:.0f} ms"
        for name in ("imports", "engine", "audit", "report")
    )
    return [
        Row(
            "`audit run` example profile, cold (median)",
            f"{audit_median * 1000:.0f} ms",
            f"{floor_median * 1000:.0f} ms floor",
            f"{ratio:.2f}×",
            "≤ 1.5× floor",
            yes(ratio <= 1.5),
        ),
        Row("  of which (in-process, median of 3)", parts),
        Row(
            "  floor plus typer, platformdirs, Babel and rich (no Kundenkompass code)",
            f"{library_median * 1000:.0f} ms",
            f"{floor_median * 1000:.0f} ms floor",
            f"{library_median / floor_median:.2f}×",
        ),
    ]


def throughput(engine: Engine, work: Path, count: int) -> list[Row]:
    progress(f"in-process throughput: {count} generated profiles")
    profiles = generate.profiles(engine.catalog, count)
    validated = [engine.load_profile(profile) for profile in profiles]
    for profile in validated[:50]:  # warm up
        engine.audit(profile)
    data_file = dump_raw_audits(engine, validated, work / "raw.json")

    # Both sides run three times, alternately, and the best round of each counts (as
    # timeit's): a pause of the machine during one round would otherwise decide the ratio.
    ours, raws = [], []
    for round_number in range(1, THROUGHPUT_ROUNDS + 1):
        progress(f"round {round_number}: Kundenkompass, then raw durable_rules")
        begin = time.perf_counter()
        for profile in profiles:
            engine.audit(profile)
        ours.append(count / (time.perf_counter() - begin))
        raws.append(raw_per_second(data_file))
    from_mappings, raw = max(ours), max(raws)
    begin = time.perf_counter()
    for profile in validated:
        engine.audit(profile)
    from_validated = count / (time.perf_counter() - begin)

    # Where an audit's time goes: validating the profile, inference on durable_rules, and
    # the rest (explanations, open questions, what-if, ranking, the result model).
    begin = time.perf_counter()
    for profile in profiles:
        engine.load_profile(profile)
    validation = (time.perf_counter() - begin) / count
    knowns = [known_values(engine._in_scope(profile)[0], engine.catalog) for profile in validated]
    begin = time.perf_counter()
    for known in knowns:
        engine._runner.run(known)
    inference = (time.perf_counter() - begin) / count
    rest = 1 / from_mappings - validation - inference

    raw_direct = raw_per_second(data_file, "--direct")
    return [
        Row(
            f"in-process audits/s, {count:,} generated profiles (dicts), best of "
            f"{THROUGHPUT_ROUNDS} alternate rounds",
            f"{from_mappings:.0f}/s",
            f"{raw:.0f}/s raw durable_rules",
            f"{from_mappings / raw:.2f}×",
            "≥ 0.75× raw",
            yes(from_mappings / raw >= 0.75),
        ),
        Row(
            "  of which per audit (in-process)",
            f"profile validation {validation * 1000:.1f} ms, inference (durable_rules) "
            f"{inference * 1000:.1f} ms, explanations and result {rest * 1000:.1f} ms",
            f"raw loop {1000 / raw:.1f} ms",
        ),
        Row(
            "  the same, profiles validated beforehand",
            f"{from_validated:.0f}/s",
            f"{raw:.0f}/s raw durable_rules",
            f"{from_validated / raw:.2f}×",
            "",
            "",
        ),
        Row(
            "  against raw durable_rules with the engine's action loop",
            f"{from_mappings:.0f}/s",
            f"{raw_direct:.0f}/s raw, direct loop",
            f"{from_mappings / raw_direct:.2f}×",
            "",
            "",
        ),
    ]


def raw_per_second(data_file: Path, *options: str) -> float:
    """Audits per second of raw durable_rules (`raw_durable.py`) in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, str(HERE / "raw_durable.py"), str(data_file), *options],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(done.stdout)["per_second"])


def batch(engine: Engine, work: Path, count: int) -> list[Row]:
    cores = len(os.sched_getaffinity(0))
    progress(f"audit batch: {count} profiles with 1 and {cores} workers, twice each")
    folder = work / "batch"
    generate.write_profiles(folder, engine.catalog, count)
    rates: dict[int, float] = {}
    # Twice each, interleaved, and the faster run of each counts: a pause of the virtual
    # machine during one run would otherwise decide the ratio.
    for _ in range(2):
        for jobs in (1, cores):
            output = work / f"batch-{jobs}.jsonl"
            seconds = wall(
                [sys.executable, "-m", "kundenkompass", "batch", str(folder), "-o", str(output),
                 "-j", str(jobs), "--force"]
            )  # fmt: skip
            lines = output.read_text(encoding="utf-8").count("\n")
            assert lines == count, f"batch wrote {lines} of {count} records"
            rates[jobs] = max(rates.get(jobs, 0.0), count / seconds)
    ratio = rates[cores] / rates[1]
    available = parallel_speedup(cores)
    return [
        Row(
            f"machine check: {cores} busy Python processes vs 1",
            f"{available:.2f}× the work per second",
            "",
            "",
            f"{cores:.2f}× on idle cores",
        ),
        Row(f"`audit batch` {count:,} profiles, 1 worker (faster of 2 runs)", f"{rates[1]:.0f}/s"),
        Row(
            f"`audit batch` {count:,} profiles, {cores} workers (faster of 2 runs)",
            f"{rates[cores]:.0f}/s",
            f"{rates[1]:.0f}/s with 1",
            f"{ratio:.2f}×",
            "≥ 1.8× on 2 cores" if cores == 2 else f"(target for 2 cores: ≥ 1.8×; {cores} here)",
            yes(ratio >= 1.8) if cores == 2 else "",
        ),
    ]


def service(engine: Engine, count: int, concurrency: int = 8) -> list[Row]:
    """Requests per second of one `audit serve` worker against in-process audits per second,
    on the same generated profiles, with a loopback client keeping ``concurrency`` requests
    in flight."""
    import concurrent.futures
    import http.client
    import socket
    import threading

    import httpx

    progress(f"audit serve: {count} requests, {concurrency} at a time, one worker")
    profiles = generate.profiles(engine.catalog, count)
    # A new engine, warmed up like the server: an engine that audited these profiles
    # before would find their reasons and open questions already remembered.
    engine = Engine()
    for profile in profiles[:50]:  # warm up
        engine.audit(profile)
    begin = time.perf_counter()
    for profile in profiles:
        engine.audit(profile)
    in_process = count / (time.perf_counter() - begin)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kundenkompass",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        bodies = [json.dumps(profile).encode() for profile in profiles]
        # A light client (http.client, one keep-alive connection per thread): on two cores
        # the client's own work takes CPU from the server it measures.
        connections = threading.local()

        def post(body: bytes) -> int:
            connection = getattr(connections, "connection", None)
            if connection is None:
                connection = connections.connection = http.client.HTTPConnection(
                    "127.0.0.1", port, timeout=60
                )
            connection.request(
                "POST", "/audits", body=body, headers={"Content-Type": "application/json"}
            )
            response = connection.getresponse()
            response.read()
            return response.status

        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(post, bodies[:50]))  # warm up
            begin = time.perf_counter()
            statuses = list(pool.map(post, bodies))
            per_second = count / (time.perf_counter() - begin)
    finally:
        server.terminate()
        server.wait(timeout=30)
    failed = sum(status != 200 for status in statuses)
    ratio = per_second / in_process
    return [
        Row(
            f"`audit serve` requests/s, one worker, {concurrency} in flight"
            + (f" ({failed} failed)" if failed else ""),
            f"{per_second:.0f}/s",
            f"{in_process:.0f}/s in process",
            f"{ratio:.2f}×",
            "≥ 0.7× in process",
            yes(ratio >= 0.7 and not failed),
        )
    ]


def rule_scaling(audits: int) -> list[Row]:
    rows = []
    for size in (100, 1_000, 5_000):
        progress(f"rules: {size} generated rules over 10 plugins, {audits} audits")
        plugins = generate.rule_plugins(size)
        begin = time.perf_counter()
        engine = Engine(plugins, discover=False)
        compile_seconds = time.perf_counter() - begin
        profiles = [engine.load_profile(p) for p in generate.profiles(engine.catalog, audits)]
        begin = time.perf_counter()
        for profile in profiles:
            engine.audit(profile)
        per_audit = (time.perf_counter() - begin) / audits
        wrong, fired = verify_firings(engine, profiles)
        rows.append(
            Row(
                f"{size:,} rules ({engine.compiled.rule_count:,} alternatives, "
                f"{len(engine.compiled.partitions)} rulesets)",
                f"load {compile_seconds:.2f} s; {per_audit * 1000:.0f} ms/audit",
                f"{fired / audits:.0f} rules fire per audit",
                "",
                "loads and runs, fires exactly what the evaluator says" if size == 5_000 else "",
                yes(wrong == 0) if size == 5_000 else ("" if wrong == 0 else f"{wrong} wrong"),
            )
        )
    return rows


def memory(audits: int) -> list[Row]:
    first = min(1_000, audits)
    progress(f"memory: one engine, {audits:,} audits")
    done = subprocess.run(
        [sys.executable, str(HERE / "memory.py"), str(first), str(audits)],
        capture_output=True,
        text=True,
        check=True,
    )
    small, large = (json.loads(line) for line in done.stdout.splitlines())
    growth = (large["VmHWM"] - small["VmHWM"]) / 1024
    return [
        Row(
            f"peak memory after {audits:,} audits",
            f"{large['VmHWM'] / 1024:.1f} MB",
            f"{small['VmHWM'] / 1024:.1f} MB after {first:,}",
            f"+{growth:.1f} MB",
            "≤ +10 MB",
            yes(growth <= 10 and large["live_states"] == 0),
        )
    ]


# ------------------------------------------------------------------ helpers


def verify_firings(engine: Engine, profiles: list[Any]) -> tuple[int, int]:
    """Profiles for which durable_rules fired other rules than the evaluator expects."""
    wrong = fired_total = 0
    rules = list(engine.catalog.rules.values())
    for profile in profiles:
        known = known_values(profile, engine.catalog)
        inference = engine._runner.run(known)
        values = all_known(known, inference)
        fired = {name.split("#")[0] for name in inference.fired}
        expected = {rule.id for rule in rules if evaluate(rule.when, values) is True}
        fired_total += len(fired)
        wrong += fired != expected
    return wrong, fired_total


def dump_rulesets(engine: Engine, path: Path) -> Path:
    """The rulesets exactly as the engine registered them in durable_rules."""
    runner = engine._runner
    rulesets = {name: runner._host._ruleset_directory[name]._definition for name in runner._names}
    derive = {}
    for name, alternative in engine.compiled.alternatives.items():
        rule = alternative.rule
        derive[name] = (
            [property_name(f"facts.{rule.derive.fact}"), rule.derive.value] if rule.derive else None
        )
    path.write_text(
        json.dumps({"rulesets": rulesets, "derive": derive, "fact_type": FACT_TYPE}),
        encoding="utf-8",
    )
    return path


def dump_raw_audits(engine: Engine, profiles: list[Any], path: Path) -> Path:
    """Per profile, the facts the engine asserts into each ruleset."""
    runner = engine._runner
    data = json.loads(dump_rulesets(engine, path).read_text(encoding="utf-8"))
    audits = []
    for profile in profiles:
        facts = runner._input_facts(known_values(profile, engine.catalog))
        batches = []
        for position, name in enumerate(runner._names):
            batch = [
                {"t": FACT_TYPE, prop: value}
                for prop, value in facts
                if position in engine.compiled.consumers.get(prop, ())
            ]
            if batch:
                batches.append([name, batch])
        audits.append(batches)
    data["audits"] = audits
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def parallel_speedup(processes: int) -> float:
    """How much more pure-Python work ``processes`` processes get done than one, right now.

    Other load on the machine shows here: batch scaling cannot beat this number.
    """
    spin = [sys.executable, "-c", "x = 0\nfor i in range(15_000_000): x += i"]
    alone = wall(spin)
    begin = time.perf_counter()
    running = [subprocess.Popen(spin) for _ in range(processes)]
    for process in running:
        process.wait()
    together = time.perf_counter() - begin
    return processes * alone / together


def wall(command: list[str]) -> float:
    begin = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - begin


def machine_info() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        memory_kb = 0
    from importlib.metadata import version

    return {
        "cpu": cpu,
        "cores": str(len(os.sched_getaffinity(0))),
        "memory": f"{memory_kb / 1024 / 1024:.0f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "durable_rules": version("durable_rules"),
        "kundenkompass": __version__,
        "load average": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def table_lines(rows: list[Row]) -> list[str]:
    """The rows as a Markdown table."""
    header = Row("measure", "Kundenkompass", "floor / baseline", "ratio", "target", "met")
    table = [header, *rows]
    fields = ("measure", "value", "baseline", "ratio", "target", "met")
    widths = [max(len(getattr(row, f)) for row in table) for f in fields]

    def line(row: Row) -> str:
        cells = (getattr(row, f).ljust(w) for f, w in zip(fields, widths, strict=True))
        return "| " + " | ".join(cells) + " |"

    return [line(header), "| " + " | ".join("-" * w for w in widths) + " |", *map(line, rows)]


def yes(condition: bool) -> str:
    return "yes" if condition else "no"


def progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
