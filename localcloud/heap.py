"""The garbage collector's schedule while a cloud runs in the process.

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
"""

from __future__ import annotations

import gc
import threading

YOUNG_THRESHOLD = 10_000
OLD_THRESHOLD = 100

_LOCK = threading.Lock()
_holders = 0
_previous: tuple[int, int, int] | None = None


def hold() -> None:
    """A cloud has started: the schedule above (each `hold` is undone by one `release`)."""
    global _holders, _previous
    with _LOCK:
        if _holders == 0:
            _previous = gc.get_threshold()
            young, middle, old = _previous
            gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, max(old, OLD_THRESHOLD))
        _holders += 1


def release() -> None:
    """A cloud has stopped: the last one puts the process's own schedule back."""
    global _holders, _previous
    with _LOCK:
        if _holders == 0:
            return
        _holders -= 1
        if _holders == 0 and _previous is not None:
            gc.set_threshold(*_previous)
            _previous = None
