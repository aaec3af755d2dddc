"""Benchmarks: slow measurements printed as tables (run as ``python -m bench.NAME``), never tests."""
