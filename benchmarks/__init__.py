"""Benchmarks of Backprop Lab's engine against microgpt's Value, micrograd and PyTorch on scalars.

Run `python -m benchmarks` (see `benchmarks.run` for the options; `--profile` shows where the time goes).
"""
