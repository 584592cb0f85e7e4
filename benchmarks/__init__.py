"""Benchmarks of Backprop Lab's engine against micrograd, a microgpt-style engine and PyTorch on scalars.

Run `python -m benchmarks` (see `benchmarks.run` for the options).
"""
