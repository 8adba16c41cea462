"""Benchmarks. Each script runs from the command line, as its docstring shows, and
at a tiny size from `plc/tests/test_bench.py`, so that none of them can rot."""
