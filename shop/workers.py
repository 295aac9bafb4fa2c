"""Child processes that must not outlive the process that started them.

A DataLoader's decoding workers hold a few hundred MB each. When their parent is
killed (``kill -9`` of embed_catalog, an OOM kill) nothing tells them, and a worker
busy in a decode or blocked on a full queue lives on. ``exit_with_parent`` is their
``worker_init_fn``: on Linux the kernel sends them SIGKILL when the parent dies
(prctl PR_SET_PDEATHSIG); elsewhere a thread polls for the parent.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
POLL_S = 1.0


def exit_with_parent_init(parent_pid: int | None = None) -> Callable[[int], None]:
    """A picklable worker_init_fn bound to this process as the parent."""
    return functools.partial(exit_with_parent, parent_pid=parent_pid or os.getpid())


def exit_with_parent(_worker_id: int = 0, *, parent_pid: int) -> None:
    """Make this process die when ``parent_pid`` does."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    else:
        threading.Thread(target=_watch, args=(parent_pid,), daemon=True).start()
    # The parent may have died before the signal was armed: then we were adopted.
    if os.getppid() != parent_pid:
        os._exit(1)


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(POLL_S)
    os._exit(1)


def supervise(
    argv: list[str],
    *,
    first_pause_s: float = 1.0,
    max_pause_s: float = 30.0,
    steady_s: float = 60.0,
) -> int:
    """Run ``argv`` and start it again whenever it dies, until it stops cleanly.

    The task worker exits when its database connection breaks (procrastinate's
    ``ConnectorException`` after an outage) and nothing would start it again. A clean
    stop (exit status 0: the worker shut down on SIGTERM or SIGINT, which are passed
    on to it) ends the loop; anything else is a crash: wait (doubling from
    ``first_pause_s`` to ``max_pause_s``, back to the first after ``steady_s`` of
    running) and start again. Returns the child's last exit status.
    """
    import subprocess

    child: subprocess.Popen | None = None
    stopping = False

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    pause = first_pause_s
    try:
        while True:
            started = time.monotonic()
            child = subprocess.Popen(argv)
            status = child.wait()
            if stopping or status == 0:
                return status
            if time.monotonic() - started >= steady_s:
                pause = first_pause_s
            print(
                f"worker exited with status {status}; starting it again in {pause:g} s",
                file=sys.stderr,
                flush=True,
            )
            deadline = time.monotonic() + pause
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.1)
            if stopping:
                return status
            pause = min(pause * 2, max_pause_s)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
