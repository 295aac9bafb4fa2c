from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A parent that starts two real DataLoader workers (through the embedder's own
# parallel_batches), each stuck in a long "decode", and prints their pids.
PARENT = """
import os, sys, time
from shop.search.encoder import parallel_batches

def load(item):
    # One write(2) of a short line is atomic on a pipe; print() may split the
    # text and its newline into two writes that the other worker interleaves.
    os.write(1, f"worker {os.getpid()}\\n".encode())
    time.sleep(120)
    return item

for batch in parallel_batches(list(range(4)), load, batch_size=1, workers=2):
    pass
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its reaper is missing


def test_dataloader_workers_die_when_their_parent_is_killed():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(workers) < 2:
            assert time.monotonic() < deadline, "the workers never started"
            line = parent.stdout.readline()
            assert line, "the parent exited early"
            if line.startswith("worker "):
                workers.append(int(line.split()[1]))
        assert all(_alive(pid) for pid in workers)

        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)

        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers), "orphaned workers are still running"
    finally:
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()


def _counting_child(tmp_path: Path, statuses: list[int]) -> list[str]:
    """A child process that records each start and exits with the next status."""
    runs = tmp_path / "runs"
    script = (
        "import sys, pathlib\n"
        f"runs = pathlib.Path({str(runs)!r})\n"
        "n = len(runs.read_text()) if runs.exists() else 0\n"
        "runs.write_text('x' * (n + 1))\n"
        f"sys.exit({statuses!r}[n])\n"
    )
    return [sys.executable, "-c", script]


def test_a_crashed_worker_is_started_again_until_it_stops_cleanly(tmp_path: Path):
    from shop.workers import supervise

    # Two crashes (as after a database outage), then a clean stop.
    argv = _counting_child(tmp_path, [1, 3, 0])
    assert supervise(argv, first_pause_s=0.05, max_pause_s=0.1) == 0
    assert (tmp_path / "runs").read_text() == "xxx"


def test_stopping_the_supervisor_stops_the_worker_and_does_not_restart_it(tmp_path: Path):
    ready = tmp_path / "ready"
    script = (
        "import pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"
        f"pathlib.Path({str(ready)!r}).write_text('up')\n"
        "time.sleep(60)\n"
    )
    supervisor = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from shop.workers import supervise; import sys; "
            f"sys.exit(supervise([sys.executable, '-c', {script!r}]))",
        ],
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists()
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=20) == 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            supervisor.kill()
