"""The benchmark scripts still run (tiny sizes here; the figures come from full runs)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("script", "args", "expect"),
    [
        (
            "bench_diagnose.py",
            ["--playbooks", "300", "--rounds", "1", "--naive-pastes", "20"],
            "speed-up at the median",
        ),
        ("bench_slack.py", ["--events", "20", "--rate", "200"], "event-to-reply"),
        ("bench_probe.py", ["--rounds", "5"], "hostile URLs refused: 21/21; connections that reached the trap: 0"),
    ],
)
def test_benchmark_runs(script, args, expect):
    run = subprocess.run([sys.executable, f"bench/{script}", *args], cwd=ROOT, capture_output=True, timeout=300)
    out = run.stdout.decode()
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert expect in out


def test_load_benchmark_loses_and_repeats_nothing_in_every_setup():
    run = subprocess.run(
        [sys.executable, "bench/bench_load.py", "--events", "30", "--rate", "100"],
        cwd=ROOT, capture_output=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    setups = re.findall(r"answers (\d+) \(distinct pastes (\d+)\); duplicates (\d+)", run.stdout.decode())
    assert len(setups) == 2  # SQLite, one process; Redis, two replicas
    assert all(answers == pastes and duplicates == "0" for answers, pastes, duplicates in setups), setups
