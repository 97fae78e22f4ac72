"""The garbage collector's and the thread switcher's schedules while a cloud runs in the process.

In AWS each function has a small heap of its own; here one process holds moto, botocore's
models, every function's code and the whole emulated state, and every request allocates
thousands of short-lived objects. With CPython's default schedule (a young collection every 700
allocations, a full one after every 10 middle ones) a 1,000-recipient campaign went through
about 3,800 collections. While a cloud runs, young collections come every `YOUNG_THRESHOLD`
allocations (most of a request's objects die before one, so fewer survive into the older
generations) and a full collection, which walks the whole process, waits for `OLD_THRESHOLD`
middle ones. When the last running cloud stops, the process's own schedule is put back.
(`gc.freeze()` after start-up was measured before and not kept: it made full collections more
frequent, not cheaper.)

The same holds for threads: in AWS each function runs in its own process; here the pollers,
every function they run and the app share one interpreter lock, which CPython hands to another
waiting thread every 5 ms. With a dozen busy threads that is a handover every few milliseconds
of work; while a cloud runs the interval is `SWITCH_INTERVAL` (a 1,000-recipient campaign: about
10% less time, three runs each way, `sys.setswitchinterval`). A request waiting for the lock
while a campaign is delivered waits at most that long per handover.
"""

from __future__ import annotations

import gc
import sys
import threading

YOUNG_THRESHOLD = 10_000
OLD_THRESHOLD = 100
SWITCH_INTERVAL = 0.02  # seconds

_LOCK = threading.Lock()
_holders = 0
_previous: tuple[int, int, int] | None = None
_previous_switch: float | None = None


def hold() -> None:
    """A cloud has started: the schedule above (each `hold` is undone by one `release`)."""
    global _holders, _previous, _previous_switch
    with _LOCK:
        if _holders == 0:
            _previous = gc.get_threshold()
            young, middle, old = _previous
            gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, max(old, OLD_THRESHOLD))
            _previous_switch = sys.getswitchinterval()
            sys.setswitchinterval(max(_previous_switch, SWITCH_INTERVAL))
        _holders += 1


def release() -> None:
    """A cloud has stopped: the last one puts the process's own schedule back."""
    global _holders, _previous, _previous_switch
    with _LOCK:
        if _holders == 0:
            return
        _holders -= 1
        if _holders == 0 and _previous is not None:
            gc.set_threshold(*_previous)
            _previous = None
        if _holders == 0 and _previous_switch is not None:
            sys.setswitchinterval(_previous_switch)
            _previous_switch = None
