"""The benchmark runner: every workload on every installed engine in one run, ratios in each table.

    python -m benchmarks                        # every workload, every engine (a few minutes)
    python -m benchmarks --quick                # tiny sizes, one run each: keeps the runner working in CI
    python -m benchmarks --only ops microgpt --engines microgpt --json out.json
    python -m benchmarks --profile microgpt     # where ours spends its time: cProfile and the collector

This machine is noisy, so absolute times move between runs; the ratios measured side by side in one
run are what to compare, and every table gives each engine's time relative to micrograd's and to
microgpt's. Each engine runs in a fresh process (importing torch alone adds ~150,000 objects that
every full garbage collection would walk while the others are timed), and the rounds go through all
engines in turn, so that a burst of load does not fall on one engine alone. Each number is the best
of several runs after a warm-up, with the garbage collector on, as users run it. An engine that
sorts its graph recursively and raises RecursionError on a deep graph is measured again with the
recursion limit raised for that measurement only, and the table says so.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime
import gc
import io
import json
import os
import platform
import pstats
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import workloads
from benchmarks.engines import MICROGPT, MICROGRAD, NN, OURS, TORCH, TRACED, Engine, Unavailable, installed, load

BASELINES = (MICROGRAD, MICROGPT)  # every time is also given as a ratio to these two
NN_BY_HAND, NN_FIT, NN_COMPILED = "ours nn.MLP (fused dot)", "ours nn.fit", "ours nn.fit(compile=True)"
NN_TRACED = "ours nn.MLP traced"
RAISED_LIMIT = 1_000_000


@dataclass(frozen=True)
class Row:
    """One measured number of a table: its key in an entry's values, its label, and how it prints."""

    key: str
    label: str
    digits: int = 0
    ratio: bool = True  # a time to compare (False: a share of another row, such as the collector's)


@dataclass(frozen=True)
class Table:
    """One workload's table: which engines run it and which of their numbers it shows."""

    title: str
    unit: str
    engines: tuple[str, ...]
    rows: tuple[Row, ...]


GRAPH_ROWS = (
    Row("forward_ns", "forward"),
    Row("backward_ns", "backward"),
    Row("total_ns", "forward + backward"),
    Row("gc_ns", "  of which garbage collector", ratio=False),
)
TABLES: dict[str, Table] = {
    "ops": Table(
        "Operators one at a time (timeit, best of the runs, collector on); backward: {op_terms} terms of + * ** relu",
        "ns/op",
        (OURS, MICROGPT, MICROGRAD, TORCH),
        (*(Row(name, name) for name in workloads.OPERATORS), Row("backward", "backward, per op")),
    ),
    "mixed": Table(
        "Mixed operators: {mixed_rows} rows of s = sum(w*x) over {mixed_inputs} inputs, then relu(s) + log(s**2 + 1)"
        " + exp(s/2), summed",
        "ns/op",
        (OURS, TRACED, MICROGPT, MICROGRAD, TORCH),
        GRAPH_ROWS,
    ),
    "chain": Table(
        "Chain v = v*k + c, {chain_steps:,} steps (two nodes a step), forward then backward",
        "ns/node",
        (OURS, MICROGPT, MICROGRAD, TORCH),
        GRAPH_ROWS,
    ),
    "moons": Table(
        "Moons training step: micrograd's MLP 2-16-16-1 on {moons_points} points, max-margin loss + L2, backward, SGD",
        "s/step",
        (OURS, TRACED, NN, MICROGPT, MICROGRAD, TORCH),
        (Row("seconds", "one step", digits=4),),
    ),
    "microgpt": Table(
        "microgpt's training loop (steps {microgpt[steps]}, n_embd {microgpt[n_embd]}, n_layer {microgpt[n_layer]},"
        " block_size {microgpt[block_size]}) with each engine's Value, only the import changed",
        "s/step",
        (OURS, MICROGPT, MICROGRAD, TORCH),
        (Row("seconds", "one step", digits=3), Row("gc_seconds", "  of which garbage collector", 3, ratio=False)),
    ),
    "memory": Table(
        "Memory held by the graph of the chain, {memory_steps:,} steps (tracemalloc)",
        "bytes/node",
        (OURS, MICROGPT, MICROGRAD, TORCH),
        (Row("bytes_per_node", "graph"),),
    ),
}
WORKLOADS = tuple(TABLES)


def sizes_for(quick: bool) -> dict[str, Any]:
    """Problem sizes: the full run's, or tiny ones for the quick (CI) run."""
    if quick:
        return {
            "op_seconds": 0.002, "op_terms": 10, "mixed_inputs": 4, "mixed_rows": 6, "chain_steps": 600,
            "memory_steps": 300, "moons_points": 8, "fit_epochs": 2,
            "microgpt": {"steps": 1, "n_embd": 8, "n_head": 2, "n_layer": 1, "block_size": 4},
        }  # fmt: skip
    return {
        "op_seconds": 0.05, "op_terms": 300, "mixed_inputs": 64, "mixed_rows": 512, "chain_steps": 100_000,
        "memory_steps": 50_000, "moons_points": 100, "fit_epochs": 10,
        "microgpt": {"steps": 5, "n_embd": 16, "n_head": 4, "n_layer": 1, "block_size": 8},
    }  # fmt: skip


@contextlib.contextmanager
def raised_recursion_limit(limit: int) -> Iterator[None]:
    """Let a recursive engine finish one measurement; the old limit comes back even on error."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def ok(values: dict[str, float], **extra: Any) -> dict[str, Any]:
    """A measured entry: its numbers (lower is better) and any notes, per-row gaps or checks."""
    return {"status": "ok", "values": values, **extra}


def _timed(fn: Callable[[], Any]) -> Callable[[], tuple[float, Any]]:
    def run() -> tuple[float, Any]:
        start = time.perf_counter()
        result = fn()
        return time.perf_counter() - start, result

    return run


def _best_seconds(fn: Callable[[], Any], repeat: int, budget: float) -> float:
    best, _ = workloads.best_of(_timed(fn), repeat, budget, key=lambda r: r[0])
    return best[0]


def _graph_entry(run: Callable[[], dict], ops: int, repeat: int, budget: float) -> dict[str, Any]:
    best, _ = workloads.best_of(run, repeat, budget, key=lambda r: r["forward_s"] + r["backward_s"])
    return ok(workloads.per_op_ns(best, ops))


def measure_ops(name: str, engine: Engine, sizes: dict, repeat: int, budget: float) -> dict[str, Any]:
    """ns per op of each operator and of backward over a graph of them."""
    values, missing = {}, {}
    for op in workloads.OPERATORS:
        try:
            values[op] = workloads.operator_ns(engine, op, repeat, sizes["op_seconds"])
        except Unavailable as gap:
            missing[op] = str(gap)
    values["backward"] = workloads.op_graph_backward(engine, sizes["op_terms"], 4 * repeat, budget)
    return {name: ok(values, missing=missing)}


def measure_mixed(name: str, engine: Engine, sizes: dict, repeat: int, budget: float) -> dict[str, Any]:
    """ns per op of the mixed workload; the traced path replays forward and backward together."""
    inputs, rows = sizes["mixed_inputs"], sizes["mixed_rows"]
    ops = workloads.mixed_ops(inputs, rows)
    if name == TRACED:
        replay, trace_seconds = workloads.traced_mixed_runner(inputs, rows)
        seconds = _best_seconds(replay, repeat, budget)
        return {name: ok({"total_ns": seconds * 1e9 / ops}, note=f"tracing once took {trace_seconds:.2f} s")}
    return {name: _graph_entry(lambda: workloads.mixed(engine, inputs, rows), ops, repeat, budget)}


def measure_chain(name: str, engine: Engine, sizes: dict, repeat: int, budget: float) -> dict[str, Any]:
    """ns per node of the chain v = v*k + c."""
    steps = sizes["chain_steps"]
    return {name: _graph_entry(lambda: workloads.chain(engine, steps), 2 * steps, repeat, budget)}


def measure_moons(name: str, engine: Engine, sizes: dict, repeat: int, budget: float) -> dict[str, Any]:
    """Seconds per moons step; `loss` is the first step's loss, the same for every engine and path."""
    points = sizes["moons_points"]
    if name == NN:
        return _measure_nn_moons(sizes, repeat, budget)
    if name == TRACED:
        step, _, trace_seconds = workloads.traced_moons_step_runner(points)
        note = f"tracing once took {trace_seconds:.2f} s"
    else:
        step, _ = workloads.moons_step_runner(engine, points)
        note = ""
    first_loss = step()
    return {name: ok({"seconds": _best_seconds(step, repeat, budget)}, loss=first_loss, note=note)}


def _measure_nn_moons(sizes: dict, repeat: int, budget: float) -> dict[str, Any]:
    """The moons step through `nn`: by hand, through `nn.fit`, and through `nn.fit(compile=True)`."""
    points, epochs = sizes["moons_points"], sizes["fit_epochs"]
    step = workloads.nn_moons_step_runner(points)
    first_loss = step()
    entries = {NN_BY_HAND: ok({"seconds": _best_seconds(step, repeat, budget)}, loss=first_loss)}
    try:
        traced_step, trace_seconds = workloads.nn_traced_moons_step_runner(points)
        traced_loss = traced_step()
        entries[NN_TRACED] = ok(
            {"seconds": _best_seconds(traced_step, repeat, budget)},
            loss=traced_loss,
            note=f"tracing once took {trace_seconds:.2f} s",
        )
    except Unavailable as gap:
        entries[NN_TRACED] = {"status": "unavailable", "reason": str(gap)}
    for label, compile in ((NN_FIT, False), (NN_COMPILED, True)):
        try:
            fit = workloads.nn_fit_runner(points, epochs, compile)
        except Unavailable as gap:
            entries[label] = {"status": "unavailable", "reason": str(gap)}
            continue
        seconds = _best_seconds(fit, repeat, budget) / epochs
        entries[label] = ok({"seconds": seconds}, note=f"{epochs} epochs of one batch per fit call")
    return entries


def measure_microgpt(name: str, engine: Engine, sizes: dict, repeat: int, budget: float) -> dict[str, Any]:
    """Seconds per step of microgpt's loop, the collector's share, and the losses (to check agreement)."""
    config = sizes["microgpt"]
    best, _ = workloads.best_of(lambda: workloads.microgpt_loop(engine, config), repeat, budget, lambda r: r["seconds"])
    steps = config["steps"]
    values = {"seconds": best["seconds"] / steps, "gc_seconds": best["gc_seconds"] / steps}
    return {name: ok(values, losses=best["losses"])}


def measure_memory(name: str, engine: Engine, sizes: dict, repeat: int, budget: float) -> dict[str, Any]:
    """Bytes per node of the chain's graph (not for engines whose memory tracemalloc cannot see)."""
    if not engine.traceable:
        raise Unavailable("tracemalloc cannot see C++ allocations")
    gc.collect()
    return {name: ok({"bytes_per_node": workloads.graph_memory(engine, sizes["memory_steps"])})}


MEASURES: dict[str, Callable[[str, Engine, dict, int, float], dict[str, Any]]] = {
    "ops": measure_ops,
    "mixed": measure_mixed,
    "chain": measure_chain,
    "moons": measure_moons,
    "microgpt": measure_microgpt,
    "memory": measure_memory,
}


def measure(workload: str, name: str, engine: Engine, sizes: dict, repeat: int, budget: float) -> dict[str, Any]:
    """One workload on one engine: {row label: entry}, an unavailable or failed entry instead of an exception."""
    try:
        try:
            return MEASURES[workload](name, engine, sizes, repeat, budget)
        except RecursionError:
            if not engine.recursive:
                raise
        gc.collect()
        with raised_recursion_limit(RAISED_LIMIT):
            entries = MEASURES[workload](name, engine, sizes, repeat, budget)
        for entry in entries.values():
            entry["note"] = "RecursionError at the default recursion limit; measured with it raised"
        return entries
    except Unavailable as gap:
        return {name: {"status": "unavailable", "reason": str(gap)}}
    except Exception as error:  # noqa: BLE001 -- one engine's failure is reported in its row, the run goes on
        return {name: {"status": "failed", "reason": f"{type(error).__name__}: {error}"}}


def run_worker(name: str, quick: bool, repeat: int, budget: float, only: tuple[str, ...]) -> dict[str, Any]:
    """Measure one engine (or path of ours) in this process on each workload whose table lists it."""
    engine = load(name)
    sizes = sizes_for(quick)
    results = {}
    for workload in only:
        if name in TABLES[workload].engines:
            gc.collect()
            results[workload] = measure(workload, name, engine, sizes, repeat, budget)
    return {"name": name, "version": engine.version, "results": results}


def run_isolated(name: str, quick: bool, repeat: int, budget: float, only: tuple[str, ...]) -> dict[str, Any]:
    """`run_worker` in a fresh Python process; a process that dies is reported, not raised."""
    command = [sys.executable, "-m", "benchmarks", "--worker", name, "--repeat", str(repeat), "--budget", str(budget)]
    command += ["--only", *only] + (["--quick"] if quick else [])
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        error = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"name": name, "version": "unknown", "failed": f"exit status {done.returncode}: {error}"}
    return json.loads(done.stdout.strip().splitlines()[-1])  # the worker's JSON is its last line


def merge(kept: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Two rounds' entries for the same row: a measured one beats a failed one; each number keeps its best."""
    if kept is None or kept["status"] != "ok":
        return new if new["status"] == "ok" or kept is None else kept
    if new["status"] != "ok":
        return {**kept, "note": f"{new['status']} in another round: {new['reason']}"}
    values = {key: min(value, new["values"].get(key, value)) for key, value in kept["values"].items()}
    return {**kept, "values": values}


def run_all(names: list[str], quick: bool, repeat: int, budget: float, rounds: int, only: tuple[str, ...]) -> dict:
    """Every chosen workload on every engine, one process per engine, `rounds` times; the best of the rounds counts."""
    results: dict[str, dict[str, Any]] = {workload: {} for workload in only}
    versions = {}
    for round_number in range(1, rounds + 1):
        for name in names:
            if not any(name in TABLES[workload].engines for workload in only):
                continue
            print(f"  round {round_number}/{rounds}: {name}", flush=True)
            measured = run_isolated(name, quick, repeat, budget, only)
            versions[name] = measured["version"]
            for workload in only:
                if name not in TABLES[workload].engines:
                    continue
                if "failed" in measured:
                    entries = {name: {"status": "failed", "reason": measured["failed"]}}
                else:
                    entries = measured["results"][workload]
                for label, entry in entries.items():
                    results[workload][label] = merge(results[workload].get(label), entry)
    return {"results": results, "versions": versions}


def value(entry: dict[str, Any] | None, key: str) -> float | None:
    """A measured number of an entry, or None when it was not measured."""
    if entry is None or entry["status"] != "ok":
        return None
    return entry["values"].get(key)


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """For each workload, row label and number: how many times faster than micrograd and than microgpt.

    A ratio is the baseline's time over this row's time: above 1, this engine is faster.
    """
    out: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for workload, entries in results.items():
        table = TABLES[workload]
        out[workload] = {}
        for label, entry in entries.items():
            per_key = {}
            for row in table.rows:
                mine = value(entry, row.key)
                if not row.ratio or not mine:
                    continue
                against = {b: theirs / mine for b in BASELINES if (theirs := value(entries.get(b), row.key))}
                if against:
                    per_key[row.key] = against
            out[workload][label] = per_key
    return out


def _cell(entry: dict[str, Any], row: Row) -> str:
    if entry["status"] == "unavailable":
        return f"n/a: {entry['reason']}"
    if entry["status"] == "failed":
        return f"failed: {entry['reason']}"
    if row.key in entry.get("missing", {}):
        return f"n/a: {entry['missing'][row.key]}"
    number = entry["values"].get(row.key)
    return "-" if number is None else f"{number:,.{row.digits}f}"


def _labels(workload: str, entries: dict[str, Any]) -> list[str]:
    """The table's rows in its engines' order; the nn path shows as its three ways of training (or its failure)."""
    order = []
    for name in TABLES[workload].engines:
        order += [NN, NN_BY_HAND, NN_TRACED, NN_FIT, NN_COMPILED] if name == NN else [name]
    return [label for label in order if label in entries]


def table(workload: str, results: dict[str, Any], ratio: dict[str, Any], sizes: dict[str, Any]) -> str:
    """One workload as text: per measured number, one line per engine with its time and both ratios."""
    spec, entries = TABLES[workload], results[workload]
    lines: list[list[str]] = [["", "engine", spec.unit, "vs micrograd", "vs microgpt"]]
    for row in spec.rows:
        first = True
        for label in _labels(workload, entries):
            entry = entries[label]
            measured = entry["status"] == "ok"
            if measured and row.key not in entry["values"] and row.key not in entry.get("missing", {}):
                continue  # e.g. the traced path has no separate forward
            if not row.ratio and not measured:
                continue
            times = ratio.get(workload, {}).get(label, {}).get(row.key, {})
            cells = [f"{times[b]:.2f}x" if b in times else "" for b in BASELINES]
            lines.append([row.label if first else "", label, _cell(entry, row), *cells])
            first = False
    numeric = [line for line in lines if not line[2].startswith(("n/a", "failed"))]
    widths = [max(len(line[i]) for line in (lines if i < 2 else numeric)) for i in range(5)]
    text = [f"{spec.title.format(**sizes)} [{spec.unit}]"]
    for line in lines:
        head = f"{line[0].ljust(widths[0])}  {line[1].ljust(widths[1])}  "
        if line in numeric:
            text.append(head + "  ".join(cell.rjust(w) for cell, w in zip(line[2:], widths[2:])))
        else:
            text.append(head + line[2])
    notes = [(label, entries[label].get("note")) for label in _labels(workload, entries)]
    text += [f"  {label}: {note}" for label, note in notes if note]
    return "\n".join(text)


def agreement(results: dict[str, Any]) -> list[str]:
    """Whether the engines computed the same numbers: moons first losses and microgpt losses vs microgpt's."""
    lines = []
    for workload, field in (("moons", "loss"), ("microgpt", "losses")):
        reference = results.get(workload, {}).get(MICROGPT, {}).get(field)
        if reference is None:
            continue
        reference = reference if isinstance(reference, list) else [reference]
        for label, entry in results[workload].items():
            theirs = entry.get(field)
            if label == MICROGPT or theirs is None:
                continue
            theirs = theirs if isinstance(theirs, list) else [theirs]
            worst = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(theirs, reference))
            lines.append(f"  {workload}: {label} vs microgpt, largest relative difference of the loss {worst:.1e}")
    return lines


def targets(results: dict[str, Any], ratio: dict[str, Any]) -> list[dict[str, Any]]:
    """The speed targets of the operator path and the traced path, each with its measured value and verdict."""
    rows = []

    def add(name: str, measured: float | None, goal: float) -> None:
        met = None if measured is None else measured >= goal
        rows.append({"target": name, "goal": f">= {goal:g}x", "value": measured, "met": met})

    ours_ops = ratio.get("ops", {}).get(OURS, {})
    op_ratios = {op: r[MICROGPT] for op, r in ours_ops.items() if MICROGPT in r and op in workloads.OPERATORS}
    slowest = min(op_ratios, key=op_ratios.get) if op_ratios else None
    label = f"ours vs microgpt, op by op (slowest: {slowest})" if slowest else "ours vs microgpt, op by op"
    add(label, op_ratios.get(slowest), 1.0)

    def ours_vs(workload: str, key: str, baseline: str) -> float | None:
        return ratio.get(workload, {}).get(OURS, {}).get(key, {}).get(baseline)

    add("microgpt's loop, ours vs microgpt's Value", ours_vs("microgpt", "seconds", MICROGPT), 1.5)
    add("chain forward, ours vs micrograd", ours_vs("chain", "forward_ns", MICROGRAD), 5.0)
    fused = value(results.get("moons", {}).get(NN_BY_HAND), "seconds")
    traced = value(results.get("moons", {}).get(NN_TRACED), "seconds")
    add("moons step, traced nn.MLP vs our eager fused nn.MLP", fused / traced if fused and traced else None, 5.0)
    return rows


def targets_table(rows: list[dict[str, Any]]) -> str:
    """The targets as text lines: met, missed or not measured."""
    marks = {True: "met", False: "MISSED", None: "n/a"}
    out = []
    for row in rows:
        measured = "-" if row["value"] is None else f"{row['value']:.2f}x"
        out.append(f"  {marks[row['met']]:>6}  {row['target']}: {measured} (goal {row['goal']})")
    return "\n".join(out)


def profile(workload: str, name: str, quick: bool, top: int = 15) -> str:
    """Where one engine spends a workload's time: wall time and the collector's share, then cProfile's top functions.

    The collector is timed through `gc.callbacks` on a run without the profiler (the profiler slows
    Python code but not the collector, so its shares would be wrong), then the same work runs under
    cProfile. The workload runs once before both, to warm up.
    """
    engine = load(name)
    work = profile_target(workload, name, engine, sizes_for(quick))
    limit = RAISED_LIMIT if engine.recursive else sys.getrecursionlimit()
    with raised_recursion_limit(limit):
        work()
        gc.collect()
        with workloads.GcClock() as clock:
            start = time.perf_counter()
            work()
            wall = time.perf_counter() - start
        gc.collect()
        profiler = cProfile.Profile()
        profiler.runcall(work)
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(top)
    root = str(Path(__file__).resolve().parent.parent) + os.sep
    listing = stream.getvalue().replace(root, "").strip().splitlines()
    start_of_table = next(i for i, line in enumerate(listing) if line.lstrip().startswith("ncalls"))
    gens = ", ".join(f"gen{g} {n}" for g, n in enumerate(clock.collections))
    share = clock.seconds / wall if wall else 0.0
    return "\n".join(
        [
            f"Profile of {workload} on {name} (Python {platform.python_version()}, collector on)",
            f"wall time without the profiler: {wall:.3f} s",
            f"garbage collector: {clock.seconds:.3f} s ({share:.0%} of the wall time) in {sum(clock.collections)}"
            f" collections ({gens})",
            f"cProfile, top {top} functions by own time (the collector's time lands in whatever allocated):",
            *listing[start_of_table:],
        ]
    )


PROFILE_WORKLOADS = ("mixed", "chain", "moons", "microgpt")


def profile_target(workload: str, name: str, engine: Engine, sizes: dict) -> Callable[[], Any]:
    """One run of `workload` on engine `name` as a function of nothing (moons: five steps)."""
    if workload == "mixed":
        if name == TRACED:
            return workloads.traced_mixed_runner(sizes["mixed_inputs"], sizes["mixed_rows"])[0]
        return lambda: workloads.mixed(engine, sizes["mixed_inputs"], sizes["mixed_rows"])
    if workload == "chain":
        return lambda: workloads.chain(engine, sizes["chain_steps"])
    if workload == "moons":
        if name == NN:
            step = workloads.nn_moons_step_runner(sizes["moons_points"])
        elif name == TRACED:
            step = workloads.traced_moons_step_runner(sizes["moons_points"])[0]
        else:
            step = workloads.moons_step_runner(engine, sizes["moons_points"])[0]
        return lambda: [step() for _ in range(5)]
    if workload == "microgpt":
        return lambda: workloads.microgpt_loop(engine, sizes["microgpt"])
    raise LookupError(f"cannot profile {workload!r}; choose from {', '.join(PROFILE_WORKLOADS)}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its tables (or one profile); optionally write JSON. Exit status 0."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", "--smoke", action="store_true", help="tiny sizes, one run each (for CI)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs after a warm-up")
    parser.add_argument("--budget", type=float, default=8.0, help="stop repeating a slow measurement after S s")
    parser.add_argument("--rounds", type=int, default=2, help="go through all engines this many times")
    parser.add_argument("--engines", nargs="+", metavar="NAME", help="only these engines (ours always runs)")
    parser.add_argument("--only", nargs="+", choices=WORKLOADS, metavar="WORKLOAD", help="only these workloads")
    parser.add_argument("--profile", choices=PROFILE_WORKLOADS, metavar="WORKLOAD", help="profile one workload")
    parser.add_argument("--engine", default=OURS, help="the engine --profile runs (default: ours)")
    parser.add_argument("--worker", metavar="NAME", help=argparse.SUPPRESS)  # one engine, JSON on stdout
    args = parser.parse_args(argv)
    repeat, rounds = (1, 1) if args.quick else (args.repeat, args.rounds)
    only = tuple(w for w in WORKLOADS if args.only is None or w in args.only)
    if args.profile:
        print(profile(args.profile, args.engine, args.quick))
        return 0
    if args.worker:
        print("\n" + json.dumps(run_worker(args.worker, args.quick, repeat, args.budget, only)))
        return 0
    chosen = set(args.engines or ()) | {OURS}
    names = [n for n in installed() if args.engines is None or n in chosen or n.split(" ")[0] in chosen]
    missing = [n for n in (MICROGRAD, TORCH) if n not in installed()]
    print(f"Engines: {', '.join(names)}" + (f" (not installed: {', '.join(missing)})" if missing else ""))
    measured = run_all(names, args.quick, repeat, args.budget, rounds, only)
    report: dict[str, Any] = {
        "meta": {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "quick": args.quick,
            "repeat": repeat,
            "rounds": rounds,
            "gc_enabled": gc.isenabled(),
            "engines": measured["versions"],
        },
        "sizes": sizes_for(args.quick),
        "results": measured["results"],
    }
    report["ratios"] = ratios(report["results"])
    report["targets"] = targets(report["results"], report["ratios"])
    if args.quick:
        for row in report["targets"]:
            row["met"] = None  # tiny sizes say nothing about speed
    for workload in only:
        print("\n" + table(workload, report["results"], report["ratios"], report["sizes"]))
    print("\nvs X: X's time (or memory) over this engine's, measured in this run; above 1: better than X.")
    checks = agreement(report["results"])
    if checks:
        print("\nSame numbers:\n" + "\n".join(checks))
    print("\nTargets" + (" (not judged at quick sizes):" if args.quick else ":"))
    print(targets_table(report["targets"]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(report, file, indent=2)
        print(f"\nWrote {args.json}")
    return 0
