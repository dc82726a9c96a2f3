"""Benchmark areas: one module per area of BENCH.md, each exposing ``AREA``."""
