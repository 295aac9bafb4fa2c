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
