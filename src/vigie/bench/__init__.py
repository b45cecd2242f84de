"""Benchmark: how many cameras one machine analyses in real time, gated versus naive."""

from vigie.bench.trial import TrialResult, TrialSpec, run_trial
from vigie.bench.search import BenchReport, run_bench

__all__ = ["BenchReport", "TrialResult", "TrialSpec", "run_bench", "run_trial"]
