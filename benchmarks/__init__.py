"""Thin entry point of the benchmark (not shipped): ``python -m benchmarks ...``.

Everything lives in :mod:`shapiq_spex.bench`; this folder holds the command and the results.
"""
