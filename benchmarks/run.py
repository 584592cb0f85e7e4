"""The benchmark runner: every workload on every installed engine in one run, ratios in a table.

    python -m benchmarks                 # the issue's sizes (a few minutes with micrograd and torch)
    python -m benchmarks --smoke         # tiny sizes, a few seconds: keeps the runner working in CI
    python -m benchmarks --json out.json --engines ours micrograd

This machine is noisy, so absolute times move between runs; ratios measured side by side in one
run are what to compare. Each number is the best of several runs after a warm-up, with the garbage
collector on, as users run it. A peer that crashes (micrograd's recursive topological sort raises
RecursionError on deep graphs) is reported as crashed and then, for a ratio, measured again with
the recursion limit raised for that measurement only.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import workloads
from benchmarks.contenders import Contender, installed, load

OURS = "ours"
# Each workload and the number that ranks its measurements (lower is better).
FIELDS = {
    "moons_step": "seconds",
    "chain": "total_ns",
    "chain_constants": "total_ns",
    "wide": "total_ns",
    "memory": "bytes_per_node",
    "deep_chain": "seconds",
}
WORKLOADS = tuple(FIELDS)
TARGETS_MOONS = {"micrograd": 15.0, "microgpt-style": 3.0, "torch (scalars)": 5.0}


@contextlib.contextmanager
def raised_recursion_limit(limit: int) -> Iterator[None]:
    """Let a recursive peer finish one measurement; the old limit comes back even on error."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _forward_backward(run: Callable[[], dict], n: int, repeat: int, budget: float) -> dict[str, Any]:
    best, runs = workloads.best_of(run, repeat, budget, key=lambda r: r["forward_s"] + r["backward_s"])
    return {"status": "ok", "runs": runs, **workloads.per_node_ns(best, n)}


def measure_graph(run: Callable[[], dict], n: int, repeat: int, budget: float) -> dict[str, Any]:
    """ns per node of a forward/backward workload; a RecursionError is recorded, then retried."""
    try:
        return _forward_backward(run, n, repeat, budget)
    except RecursionError:
        entry: dict[str, Any] = {"status": "crashed", "error": "RecursionError at the default recursion limit"}
    gc.collect()
    with raised_recursion_limit(4 * n + 10_000):
        entry["raised_limit"] = _forward_backward(run, n, repeat, budget)
    return entry


def measure_moons(contender: Contender, points: int, repeat: int, budget: float) -> dict[str, Any]:
    """Seconds for one training step of MLP 2-16-16-1 on `points` moons."""
    step = workloads.moons_step_runner(contender, points)
    timed = _timed(step)
    best, runs = workloads.best_of(timed, repeat, budget, key=lambda r: r[0])
    return {"status": "ok", "runs": runs, "seconds": best[0], "loss": best[1]}


def _timed(fn: Callable[[], Any]) -> Callable[[], tuple[float, Any]]:
    def run() -> tuple[float, Any]:
        start = time.perf_counter()
        result = fn()
        return time.perf_counter() - start, result

    return run


def measure_contender(contender: Contender, sizes: dict[str, int], repeat: int, budget: float) -> dict[str, Any]:
    """Every workload on one engine: {workload: measurement}."""
    results: dict[str, Any] = {"moons_step": measure_moons(contender, sizes["moons_points"], repeat, budget)}
    if contender.nn is not None:
        return results  # the nn variant differs from ours only in how the training step is written
    n, w = sizes["chain"], sizes["wide"]
    results["chain"] = measure_graph(partial(workloads.chain, contender, n), n, repeat, budget)
    results["chain_constants"] = measure_graph(
        partial(workloads.chain, contender, n, constants=True), n, repeat, budget
    )
    results["wide"] = measure_graph(partial(workloads.wide, contender, w), w, repeat, budget)
    gc.collect()
    if contender.traceable:
        results["memory"] = {"status": "ok", **workloads.graph_memory(contender, sizes["memory"])}
    else:
        results["memory"] = {"status": "unmeasured", "error": "tracemalloc cannot see C++ allocations"}
    if contender.name == OURS:
        gc.collect()
        results["deep_chain"] = {"status": "ok", **workloads.deep_chain(contender, sizes["deep_chain"])}
    return results


def run_worker(name: str, smoke: bool, repeat: int, budget: float) -> dict[str, Any]:
    """Measure one engine in this process (the runner starts one process per engine)."""
    contender = load(name)
    results = measure_contender(contender, workloads.sizes_for(smoke), repeat, budget)
    return {"name": name, "version": contender.version, "results": results}


def run_isolated(name: str, smoke: bool, repeat: int, budget: float) -> dict[str, Any]:
    """Measure one engine in a fresh Python process.

    Each engine gets a heap of its own: importing torch alone adds ~150,000 objects that every
    full garbage collection would otherwise walk while the other engines are timed.
    """
    command = [sys.executable, "-m", "benchmarks", "--worker", name, "--repeat", str(repeat), "--budget", str(budget)]
    if smoke:
        command.append("--smoke")
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        error = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"name": name, "version": "unknown", "failed": f"exit status {done.returncode}: {error}"}
    return json.loads(done.stdout.strip().splitlines()[-1])  # the worker's JSON is its last line


def _better(kept: dict[str, Any] | None, new: dict[str, Any], field: str) -> dict[str, Any]:
    """Of two measurements of the same thing, the faster (or smaller) one."""
    if kept is None:
        return new
    old_value, new_value = _value(kept, field), _value(new, field)
    return new if old_value is None or (new_value is not None and new_value < old_value) else kept


def run_all(names: list[str], smoke: bool, repeat: int, budget: float, rounds: int) -> dict[str, Any]:
    """Every workload on every engine, one process per engine, `rounds` times; the best of the rounds counts.

    Rounds go through all engines in turn, so a burst of load on this shared machine does not
    fall on one engine alone.
    """
    results: dict[str, dict[str, Any]] = {workload: {} for workload in WORKLOADS}
    versions = {}
    for round_number in range(1, rounds + 1):
        for name in names:
            print(f"  round {round_number}/{rounds}: {name}", flush=True)
            measured = run_isolated(name, smoke, repeat, budget)
            versions[name] = measured["version"]
            if "failed" in measured:
                results["moons_step"][name] = {"status": "failed", "error": measured["failed"]}
                continue
            for workload, entry in measured["results"].items():
                results[workload][name] = _better(results[workload].get(name), entry, FIELDS[workload])
    return {"sizes": workloads.sizes_for(smoke), "versions": versions, "results": results}


def _value(entry: dict[str, Any] | None, field: str) -> float | None:
    """A measured number, from the retry with a raised recursion limit if the default one crashed."""
    if entry is None or entry["status"] == "failed":
        return None
    if entry["status"] == "crashed":
        entry = entry.get("raised_limit", {})
    return entry.get(field)


def ratios(results: dict[str, Any]) -> dict[str, dict[str, float]]:
    """How many times faster (or smaller) ours is than each peer, per workload."""
    out: dict[str, dict[str, float]] = {}
    for workload, field in FIELDS.items():
        by_engine = results[workload]
        mine = _value(by_engine.get(OURS), field)
        out[workload] = {
            name: theirs / mine
            for name, entry in by_engine.items()
            if name != OURS and mine and (theirs := _value(entry, field)) is not None
        }
    return out


def targets(results: dict[str, Any], ratio: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured value and whether it is met (None: not measurable here)."""
    rows = []

    def add(name: str, value: float | None, goal: str, met: bool | None) -> None:
        rows.append({"target": name, "goal": goal, "value": value, "met": met})

    for engine in (OURS, "ours (nn.MLP)"):
        if engine not in results["moons_step"]:
            continue
        mine = results["moons_step"][engine]["seconds"]
        for peer, goal in TARGETS_MOONS.items():
            theirs = _value(results["moons_step"].get(peer), "seconds")
            value = theirs / mine if theirs else None
            add(f"moons step, {engine} vs {peer}", value, f">= {goal:g}x", None if value is None else value >= goal)
        add(f"moons step, {engine} seconds", mine, "about 0.04 s", mine <= 0.045)
    chain_ns = _value(results["chain"].get(OURS), "total_ns")
    add("chain forward+backward ns/node", chain_ns, "<= 1000", chain_ns is not None and chain_ns <= 1000)
    vs_micrograd = ratio["chain"].get("micrograd")
    add("chain vs micrograd", vs_micrograd, ">= 10x", None if vs_micrograd is None else vs_micrograd >= 10)
    deep = results["deep_chain"][OURS]["seconds"]
    add("1e6-deep chain forward+backward seconds", deep, "< 5", deep < 5)
    memory = ratio["memory"].get("micrograd")
    fraction = 1 / memory if memory else None
    add("memory per node, fraction of micrograd", fraction, "<= 1/3", None if fraction is None else fraction <= 1 / 3)
    return rows


def _cell(entry: dict[str, Any] | None, field: str, digits: int) -> str:
    if entry is None:
        return "-"
    if entry["status"] == "unmeasured":
        return "n/a"
    if entry["status"] == "failed":
        return "failed"
    if entry["status"] == "crashed":
        retry = _value(entry, field)
        return "RecursionError" if retry is None else f"{retry:.{digits}f} (raised limit)"
    return f"{entry[field]:.{digits}f}"


def table(report: dict[str, Any]) -> str:
    """The results as a text table: one row per measurement, one column per engine, ratios vs ours."""
    results, ratio = report["results"], report["ratios"]
    engines = list(dict.fromkeys(name for by_engine in results.values() for name in by_engine))
    rows = [
        ("moons step (s)", "moons_step", "seconds", 4),
        ("chain y=y+x fwd (ns/node)", "chain", "forward_ns", 0),
        ("chain y=y+x bwd (ns/node)", "chain", "backward_ns", 0),
        ("chain y=y+x total (ns/node)", "chain", "total_ns", 0),
        ("  of which garbage collector", "chain", "gc_ns", 0),
        ("chain y=y+1.0 total (ns/step)", "chain_constants", "total_ns", 0),
        ("wide sum of products (ns/product)", "wide", "total_ns", 0),
        ("  of which garbage collector", "wide", "gc_ns", 0),
        ("memory (bytes/node)", "memory", "bytes_per_node", 0),
        ("deep chain y=y+1.0 (s)", "deep_chain", "seconds", 2),
        ("  of which garbage collector", "deep_chain", "gc_seconds", 2),
    ]
    header = ["measurement", *engines]
    lines = [header]
    for title, workload, field, digits in rows:
        cells = [title]
        for name in engines:
            cell = _cell(results[workload].get(name), field, digits)
            times = ratio.get(workload, {}).get(name)
            if times is not None and field in ("seconds", "total_ns", "bytes_per_node"):
                cell += f" [{times:.1f}x]"
            cells.append(cell)
        lines.append(cells)
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) for row in lines]
    text.insert(1, "  ".join("-" * width for width in widths))
    text.append("[Nx]: the peer needs N times ours (time or memory); bigger is better for us.")
    return "\n".join(text)


def targets_table(rows: list[dict[str, Any]]) -> str:
    """The targets as text lines: met, missed or not measurable."""
    marks = {True: "met", False: "MISSED", None: "n/a"}
    out = []
    for row in rows:
        value = "-" if row["value"] is None else f"{row['value']:.3g}"
        out.append(f"  {marks[row['met']]:>12}  {row['target']}: {value} (goal {row['goal']})")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the tables, optionally write JSON; exit status 0."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run each (for CI)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--repeat", type=int, default=7, help="best of this many runs after a warm-up")
    parser.add_argument("--budget", type=float, default=15.0, help="stop repeating a slow measurement after S s")
    parser.add_argument("--engines", nargs="+", metavar="NAME", help="only these engines (ours always runs)")
    parser.add_argument("--rounds", type=int, default=2, help="go through all engines this many times")
    parser.add_argument("--worker", metavar="NAME", help=argparse.SUPPRESS)  # one engine, JSON on stdout
    args = parser.parse_args(argv)
    repeat, rounds = (1, 1) if args.smoke else (args.repeat, args.rounds)
    if args.worker:
        print("\n" + json.dumps(run_worker(args.worker, args.smoke, repeat, args.budget)))
        return 0
    names = [n for n in installed() if args.engines is None or n == OURS or n.split(" ")[0] in args.engines]
    print(f"Engines: {', '.join(names)}; one process each, garbage collector on")
    measured = run_all(names, args.smoke, repeat, args.budget, rounds)
    report: dict[str, Any] = {
        "meta": {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "smoke": args.smoke,
            "repeat": repeat,
            "rounds": rounds,
            "gc_enabled": gc.isenabled(),
            "engines": measured.pop("versions"),
        },
        **measured,
    }
    report["ratios"] = ratios(report["results"])
    report["targets"] = targets(report["results"], report["ratios"])
    if args.smoke:
        for row in report["targets"]:
            row["met"] = None  # smoke sizes say nothing about speed
    print("\nSizes: " + ", ".join(f"{name} {n:,}" for name, n in report["sizes"].items()))
    print(table(report))
    print("\nTargets (issue 7)" + (", not judged at smoke sizes:" if args.smoke else ":"))
    print(targets_table(report["targets"]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(report, file, indent=2)
        print(f"\nWrote {args.json}")
    return 0
