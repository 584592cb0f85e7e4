"""The benchmark keeps working and keeps measuring the same work on every engine.

Every workload runs at tiny sizes, and the engines must agree on what they compute (losses,
gradients, closed forms): a fast wrong answer must not pass for a fast right one. No timing is
asserted anywhere: this machine is noisy and speed is the benchmark's job, not the tests'.
"""

import importlib.util
import json
import math
import sys

import pytest

import autograd
from benchmarks import microgpt, run, workloads
from benchmarks.engines import MICROGPT, MICROGRAD, OURS, TORCH, TRACED, Engine, Unavailable, load
from benchmarks.mlp import MLP, make_moons

HAVE_TRACE = hasattr(autograd, "trace")
OPTIONAL = [name for name, module in ((MICROGRAD, "micrograd"), (TORCH, "torch")) if importlib.util.find_spec(module)]


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "quick.json"
    assert run.main(["--quick", "--json", str(path)]) == 0
    return json.loads(path.read_text())


@pytest.fixture(params=[OURS, MICROGPT, *OPTIONAL])
def engine(request):
    return load(request.param)


# The quick run, end to end.


def test_quick_run_writes_every_section_and_every_workload(quick_report):
    assert set(quick_report) == {"meta", "sizes", "results", "ratios", "targets"}
    assert quick_report["meta"]["quick"] is True and quick_report["meta"]["gc_enabled"] is True
    assert set(quick_report["results"]) == set(run.WORKLOADS)


def test_quick_run_measures_ours_and_microgpt_on_every_workload(quick_report):
    for workload, entries in quick_report["results"].items():
        for name in (OURS, MICROGPT):
            assert entries[name]["status"] == "ok", (workload, name, entries[name])
            assert all(v >= 0 for v in entries[name]["values"].values())


def test_quick_run_gives_ours_a_ratio_to_micrograd_and_to_microgpt(quick_report):
    pytest.importorskip("micrograd")
    ratios = quick_report["ratios"]
    for workload, key in (("ops", "a+b"), ("chain", "total_ns"), ("moons", "seconds"), ("memory", "bytes_per_node")):
        assert set(ratios[workload][OURS][key]) == {MICROGRAD, MICROGPT}, workload


def test_quick_run_measures_the_fused_nn_path_beside_the_operator_path(quick_report):
    moons = quick_report["results"]["moons"]
    assert moons[run.NN_BY_HAND]["status"] == "ok" and moons[run.NN_FIT]["status"] == "ok"
    assert run.NN_COMPILED in moons


@pytest.mark.skipif(HAVE_TRACE, reason="autograd.trace exists: the traced rows are measured")
def test_traced_rows_say_trace_is_not_available_yet(quick_report):
    for workload in ("mixed", "moons"):
        entry = quick_report["results"][workload][TRACED]
        assert entry["status"] == "unavailable" and "autograd.trace is not available" in entry["reason"]


@pytest.mark.skipif(not HAVE_TRACE, reason="needs autograd.trace")
def test_traced_rows_are_measured_once_trace_exists(quick_report):
    for workload in ("mixed", "moons"):
        assert quick_report["results"][workload][TRACED]["status"] == "ok"


def test_quick_run_engines_compute_the_same_losses(quick_report):
    results = quick_report["results"]
    reference = results["moons"][MICROGPT]["loss"]
    losses = {label: e["loss"] for label, e in results["moons"].items() if e.get("loss") is not None}
    assert len(losses) >= 3  # ours, its nn path and microgpt at least
    assert all(loss == pytest.approx(reference, rel=1e-12) for loss in losses.values()), losses
    assert results["microgpt"][OURS]["losses"] == pytest.approx(results["microgpt"][MICROGPT]["losses"], rel=1e-9)


def test_recursive_peers_crash_on_the_chain_then_are_measured_with_a_raised_limit(quick_report):
    entry = quick_report["results"]["chain"][MICROGPT]  # 1,200 nodes deep > the default limit of 1,000
    assert entry["status"] == "ok" and "RecursionError" in entry["note"]
    assert "note" not in quick_report["results"]["chain"][OURS]


def test_ops_an_engine_lacks_are_named_in_its_row(quick_report):
    ops = quick_report["results"]["ops"]
    assert ops[MICROGPT]["missing"] == {"tanh": "microgpt's Value has no tanh"}
    assert "tanh" in ops[OURS]["values"] and not ops[OURS]["missing"]
    text = run.table("ops", quick_report["results"], quick_report["ratios"], quick_report["sizes"])
    assert "n/a: microgpt's Value has no tanh" in text


def test_targets_are_not_judged_at_quick_sizes(quick_report):
    assert [row["met"] for row in quick_report["targets"]] == [None] * len(quick_report["targets"])
    assert any("microgpt's loop" in row["target"] for row in quick_report["targets"])


# Each workload computes the same numbers on every engine.


def test_microgpt_value_is_karpathys_as_written():
    # f = a*b + a**2 at a=3, b=-2: df/da = b + 2a = 4, df/db = a = 3.
    a, b = microgpt.Value(3.0), microgpt.Value(-2.0)
    f = a * b + a**2
    f.backward()
    assert (f.data, a.grad, b.grad) == (3.0, 4.0, 3.0)
    assert microgpt.Value.__slots__ == ("data", "grad", "_children", "_local_grads")
    assert (a + b)._local_grads == (1, 1) and microgpt.Value(1.0).grad == 0


def test_microgpt_value_sorts_recursively_so_deep_graphs_raise():
    v = microgpt.Value(0.0)
    for _ in range(sys.getrecursionlimit() + 100):
        v = v + 1.0
    with pytest.raises(RecursionError):
        v.backward()


def test_microgpt_loop_gives_the_same_losses_with_our_value():
    config = {"steps": 2, "n_embd": 8, "n_head": 2, "block_size": 4}
    theirs = microgpt.train(microgpt.Value, **config)
    ours = microgpt.train(autograd.Value, **config)
    assert ours == pytest.approx(theirs, rel=1e-9, abs=0)
    vocab = len(set("".join(microgpt.WORDS))) + 1
    assert abs(theirs[0] - math.log(vocab)) < 0.3  # small random weights: close to a uniform guess


def test_operator_graph_gradients_match_the_closed_form(engine):
    out, leaves = workloads.op_graph(engine, 5)
    engine.backward(out)
    for a, b in zip(leaves[::2], leaves[1::2]):
        expected = workloads.op_graph_gradients(engine.data_of(a), engine.data_of(b))
        assert (engine.grad_of(a), engine.grad_of(b)) == pytest.approx(expected, rel=1e-12)


def test_mixed_workload_gives_the_same_value_and_gradients_on_every_engine_with_log():
    results = []
    for engine in [load(OURS), load(MICROGPT)] + ([load(TORCH)] if TORCH in OPTIONAL else []):
        xs, ws = workloads.mixed_leaves(engine, 5, 7)
        out = workloads.mixed_expression(xs, ws)
        engine.backward(out)
        results.append([engine.data_of(out)] + [engine.grad_of(v) for v in xs + [w for row in ws for w in row]])
    for other in results[1:]:
        assert other == pytest.approx(results[0], rel=1e-12)
    assert workloads.mixed_ops(5, 7) == 7 * (2 * 5 + 9)


def test_mixed_workload_says_micrograd_has_no_exp():
    pytest.importorskip("micrograd")
    micrograd = load(MICROGRAD)
    with pytest.raises(Unavailable, match="micrograd 0.1.0 has no exp"):
        workloads.mixed(micrograd, 3, 3)


def test_chain_checks_its_gradient_against_the_closed_form(engine):
    result = workloads.chain(engine, 50)
    assert result["forward_s"] > 0 and result["backward_s"] > 0


def test_chain_rejects_an_engine_with_wrong_gradients():
    wrong = load(MICROGPT)
    wrong.grad_of = lambda v: v.grad * 1.001
    with pytest.raises(AssertionError, match="d\\(chain\\)/dc"):
        workloads.chain(wrong, 50)


def test_moons_steps_give_the_same_losses_and_parameters_on_every_engine(engine):
    reference_step, reference_params = workloads.moons_step_runner(load(MICROGPT), 6)
    step, params = workloads.moons_step_runner(engine, 6)
    assert [step(), step()] == pytest.approx([reference_step(), reference_step()], rel=1e-12)
    assert [engine.data_of(p) for p in params] == pytest.approx([p.data for p in reference_params], rel=1e-12)


def test_nn_paths_compute_the_same_first_step_as_micrograds_mlp():
    operator_step, _ = workloads.moons_step_runner(load(OURS), 6)
    expected = operator_step()
    assert workloads.nn_moons_step_runner(6)() == pytest.approx(expected, rel=1e-12)
    assert workloads.nn_fit_runner(6, 1, compile=False)() == pytest.approx(expected, rel=1e-12)


@pytest.mark.skipif(not HAVE_TRACE, reason="needs autograd.trace")
def test_traced_moons_steps_match_the_eager_ones():
    eager, eager_params = workloads.moons_step_runner(load(OURS), 6)
    traced, traced_params, _ = workloads.traced_moons_step_runner(6)
    assert [traced(), traced()] == pytest.approx([eager(), eager()], rel=1e-12)
    assert traced_params == pytest.approx([p.data for p in eager_params], rel=1e-12)


def test_traced_runners_say_so_when_autograd_has_no_trace(monkeypatch):
    monkeypatch.delattr(autograd, "trace", raising=False)
    with pytest.raises(Unavailable, match="autograd.trace is not available"):
        workloads.traced_moons_step_runner(4)
    with pytest.raises(Unavailable, match="autograd.trace is not available"):
        workloads.traced_mixed_runner(2, 2)


def test_operator_benchmark_refuses_an_op_the_engine_lacks():
    with pytest.raises(Unavailable, match="no tanh"):
        workloads.operator_ns(load(MICROGPT), "tanh", 1, 0.001)
    assert workloads.operator_ns(load(OURS), "a**2", 1, 0.001) > 0


def test_microgpt_loop_refuses_an_engine_without_log():
    no_log = load(MICROGPT)
    no_log.missing = {"log": "no log here"}
    with pytest.raises(Unavailable, match="no log here"):
        workloads.microgpt_loop(no_log, {"steps": 1})


def test_moons_data_is_two_labelled_half_moons_and_reproducible():
    X, y = make_moons(10, noise=0.0, seed=1)
    assert y == [0] * 5 + [1] * 5
    assert X[0] == [1.0, 0.0] and X[5] == pytest.approx([0.0, 0.5])  # outer starts at (1, 0), inner at (0, 0.5)
    assert make_moons(10, seed=3) == make_moons(10, seed=3)


def test_mlp_has_micrograds_layout_and_load_replaces_its_parameters():
    model = MLP(2, [16, 16, 1], float, seed=0)
    assert len(model.parameters()) == 337  # (2+1)*16 + (16+1)*16 + (16+1)*1
    model.load(range(337))
    assert model.parameters() == list(range(337))


# The runner's own logic.


def test_measure_reports_an_unavailable_or_failing_engine_in_its_row():
    broken = load(OURS)
    broken.leaf = lambda x: 1 / 0
    failed = run.measure("chain", OURS, broken, run.sizes_for(True), 1, 1.0)[OURS]
    assert failed["status"] == "failed" and "ZeroDivisionError" in failed["reason"]
    torch_like = Engine(**{**vars(load(OURS)), "traceable": False})
    missing = run.measure("memory", OURS, torch_like, run.sizes_for(True), 1, 1.0)[OURS]
    assert missing == {"status": "unavailable", "reason": "tracemalloc cannot see C++ allocations"}


def test_an_engine_whose_process_fails_is_reported_not_fatal():
    measured = run.run_isolated("no-such-engine", quick=True, repeat=1, budget=1.0, only=("memory",))
    assert "LookupError" in measured["failed"] and "no-such-engine" in measured["failed"]


def test_the_recursion_limit_comes_back_after_a_crash():
    before = sys.getrecursionlimit()
    with pytest.raises(RuntimeError), run.raised_recursion_limit(before + 5_000):
        raise RuntimeError("measurement failed")
    assert sys.getrecursionlimit() == before


def test_rounds_keep_each_numbers_best_and_prefer_a_measured_entry():
    slow = run.ok({"forward_ns": 2.0, "backward_ns": 1.0})
    fast = run.ok({"forward_ns": 1.0, "backward_ns": 3.0})
    failed = {"status": "failed", "reason": "exit status 1"}
    assert run.merge(slow, fast)["values"] == {"forward_ns": 1.0, "backward_ns": 1.0}
    assert run.merge(failed, slow) is slow and run.merge(None, failed) is failed
    assert run.merge(slow, failed) == {**slow, "note": "failed in another round: exit status 1"}


def test_ratios_are_the_baselines_time_over_this_engines():
    results = {
        "chain": {
            OURS: run.ok({"forward_ns": 100.0, "gc_ns": 10.0}),
            MICROGRAD: run.ok({"forward_ns": 500.0, "gc_ns": 90.0}),
            MICROGPT: run.ok({"forward_ns": 80.0, "gc_ns": 5.0}),
            TORCH: {"status": "unavailable", "reason": "not installed"},
        }
    }
    ratio = run.ratios(results)["chain"]
    assert ratio[OURS] == {"forward_ns": {MICROGRAD: 5.0, MICROGPT: 0.8}}  # no ratio for the collector's share
    assert ratio[TORCH] == {}


def test_targets_judge_the_operator_and_traced_paths():
    ok = run.ok
    results = {
        "ops": {OURS: ok({"a+b": 100.0, "a**2": 300.0}), MICROGPT: ok({"a+b": 120.0, "a**2": 200.0})},
        "microgpt": {OURS: ok({"seconds": 1.0}), MICROGPT: ok({"seconds": 1.6})},
        "chain": {OURS: ok({"forward_ns": 100.0}), MICROGRAD: ok({"forward_ns": 400.0})},
        "moons": {run.NN_BY_HAND: ok({"seconds": 0.02}), run.NN_TRACED: ok({"seconds": 0.002})},
    }
    verdicts = {row["target"]: row["met"] for row in run.targets(results, run.ratios(results))}
    assert verdicts == {
        "ours vs microgpt, op by op (slowest: a**2)": False,  # 200/300 < 1
        "microgpt's loop, ours vs microgpt's Value": True,  # 1.6x
        "chain forward, ours vs micrograd": False,  # 4x < 5x
        "moons step, traced nn.MLP vs our eager fused nn.MLP": True,  # 10x
    }


def test_profile_prints_the_collectors_share_and_the_top_functions(capsys):
    assert run.main(["--profile", "chain", "--quick", "--engine", MICROGPT]) == 0  # 1,200 deep: limit raised
    out = capsys.readouterr().out
    assert "Profile of chain on microgpt" in out and "garbage collector:" in out and "% of the wall time" in out
    assert "ncalls" in out and "build_topo" in out
