"""The benchmark runner keeps working: smoke mode end to end, the JSON it writes, the peers' outcomes.

No timing is asserted anywhere: this machine is noisy and speed is the benchmark's job, not the tests'.
"""

import json
import math

import pytest

from benchmarks import run, workloads
from benchmarks.baseline import Value as BaselineValue
from benchmarks.contenders import baseline, ours, pairwise_total


@pytest.fixture(scope="module")
def smoke_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "smoke.json"
    assert run.main(["--smoke", "--json", str(path)]) == 0
    return json.loads(path.read_text())


def test_smoke_run_writes_json_with_every_section(smoke_report):
    assert set(smoke_report) == {"meta", "sizes", "results", "ratios", "targets"}
    assert smoke_report["meta"]["smoke"] is True and smoke_report["meta"]["gc_enabled"] is True
    assert set(smoke_report["results"]) == {"moons_step", "chain", "chain_constants", "wide", "memory", "deep_chain"}


def test_smoke_run_measures_ours_on_every_workload(smoke_report):
    results = smoke_report["results"]
    assert results["moons_step"]["ours"]["seconds"] > 0
    for workload in ("chain", "chain_constants", "wide"):
        entry = results[workload]["ours"]
        assert entry["status"] == "ok" and entry["total_ns"] == entry["forward_ns"] + entry["backward_ns"]
    assert results["memory"]["ours"]["bytes_per_node"] > 0
    assert results["deep_chain"]["ours"]["seconds"] > 0


def test_micrograd_recursion_error_is_reported_then_measured_with_a_raised_limit(smoke_report):
    pytest.importorskip("micrograd")
    chain = smoke_report["results"]["chain"]["micrograd"]  # 2,000 deep > the default limit of 1,000
    assert chain["status"] == "crashed" and "RecursionError" in chain["error"]
    assert chain["raised_limit"]["total_ns"] > 0
    assert "micrograd" in smoke_report["ratios"]["chain"]


def test_targets_name_a_goal_and_a_verdict(smoke_report):
    names = [row["target"] for row in smoke_report["targets"]]
    assert "moons step, ours vs micrograd" in names and "chain forward+backward ns/node" in names
    assert all(row["met"] in (True, False, None) and row["goal"] for row in smoke_report["targets"])


def test_the_recursion_limit_comes_back_after_a_crash():
    import sys

    before = sys.getrecursionlimit()
    with pytest.raises(RuntimeError), run.raised_recursion_limit(before + 5_000):
        raise RuntimeError("measurement failed")
    assert sys.getrecursionlimit() == before


def test_baseline_engine_gives_the_textbook_gradients():
    # f = a*b + a**2 at a=3, b=-2: df/da = b + 2a = 4, df/db = a = 3.
    a, b = BaselineValue(3.0), BaselineValue(-2.0)
    f = a * b + a**2
    f.backward()
    assert (f.data, a.grad, b.grad) == (3.0, 4.0, 3.0)


def test_every_engine_computes_the_same_moons_loss():
    # Same seeded weights and data: ours (dot + add_n) and the baseline (sum of products) agree.
    losses = [workloads.moons_step_runner(c, 6)() for c in (ours(), baseline())]
    assert losses[0] == pytest.approx(losses[1], rel=1e-12)


def test_moons_data_is_two_labelled_half_moons_and_reproducible():
    X, y = workloads.make_moons(10, noise=0.0, seed=1)
    assert y == [0] * 5 + [1] * 5
    assert X[0] == [1.0, 0.0] and X[5] == pytest.approx([0.0, 0.5])  # outer starts at (1, 0), inner at (0, 0.5)
    assert workloads.make_moons(10, seed=3) == workloads.make_moons(10, seed=3)


def test_pairwise_total_adds_every_value_once():
    assert pairwise_total([1.0, 2.0, 3.0, 4.0, 5.0]) == 15.0
    assert math.isclose(pairwise_total([0.1] * 7), 0.7)


def test_an_engine_whose_process_fails_is_reported_not_fatal():
    measured = run.run_isolated("no-such-engine", smoke=True, repeat=1, budget=1.0)
    assert "LookupError" in measured["failed"] and "no-such-engine" in measured["failed"]


def test_rounds_keep_the_fastest_measurement_of_each_engine():
    slow, fast = {"status": "ok", "seconds": 2.0}, {"status": "ok", "seconds": 1.0}
    failed = {"status": "failed", "error": "exit status 1"}
    assert run._better(slow, fast, "seconds") is fast and run._better(fast, slow, "seconds") is fast
    assert run._better(failed, slow, "seconds") is slow and run._better(slow, failed, "seconds") is slow
    crashed = {"status": "crashed", "raised_limit": {"total_ns": 5.0}}
    assert run._better({"status": "ok", "total_ns": 9.0}, crashed, "total_ns") is crashed


def test_ratios_and_targets_read_peer_over_ours():
    ok = {"status": "ok"}
    results = {
        "moons_step": {"ours": {**ok, "seconds": 0.05}, "micrograd": {**ok, "seconds": 1.0}},
        "chain": {
            "ours": {**ok, "total_ns": 900.0},
            "micrograd": {"status": "crashed", "raised_limit": {"total_ns": 9_900.0}},
        },
        "chain_constants": {},
        "wide": {},
        "memory": {"ours": {**ok, "bytes_per_node": 200.0}, "micrograd": {**ok, "bytes_per_node": 500.0}},
        "deep_chain": {"ours": {**ok, "seconds": 6.0}},
    }
    ratio = run.ratios(results)
    assert ratio["moons_step"]["micrograd"] == 20.0 and ratio["chain"]["micrograd"] == 11.0
    verdicts = {row["target"]: row["met"] for row in run.targets(results, ratio)}
    assert verdicts["moons step, ours vs micrograd"] is True  # 20x >= 15x
    assert verdicts["moons step, ours vs torch (scalars)"] is None  # torch not measured
    assert verdicts["chain forward+backward ns/node"] is True and verdicts["chain vs micrograd"] is True
    assert verdicts["1e6-deep chain forward+backward seconds"] is False  # 6 s is not < 5 s
    assert verdicts["memory per node, fraction of micrograd"] is False  # 200/500 = 0.4 > 1/3
