"""Benchmark: how many cameras one machine analyses in real time, gated versus naive."""

from vigie.bench.search import BenchReport, run_bench
from vigie.bench.trial import TrialResult, TrialSpec, run_trial

__all__ = ["BenchReport", "TrialResult", "TrialSpec", "run_bench", "run_trial"]
