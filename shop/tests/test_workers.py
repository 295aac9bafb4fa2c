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
from shop.catalog.encoder import parallel_batches

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
