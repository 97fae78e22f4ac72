"""The garbage collector's schedule while a cloud runs in the process.

In AWS each function has a small heap of its own; here one process holds moto, botocore's
models, every function's code and the whole emulated state, and CPython's full collection walks
all of it. With the default schedule (a young collection every 700 allocations) a 1,000-recipient
campaign spent a fifth of its time in the collector, mostly in full collections of that heap.
While a cloud runs: young collections come every `YOUNG_THRESHOLD` allocations (most of a
request's objects die before one, so fewer survive into the old generation and fewer full
collections follow), and what the process held once the cloud had started (modules, models, the
provisioned stack) is frozen (`gc.freeze`), so a full collection no longer walks it. When the
last running cloud stops, both are undone: the frozen objects are collected again as usual.
"""

from __future__ import annotations

import gc
import threading

YOUNG_THRESHOLD = 10_000

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
            gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
        _holders += 1
        gc.freeze()


def release() -> None:
    """A cloud has stopped: the last one puts the process's own schedule back."""
    global _holders, _previous
    with _LOCK:
        if _holders == 0:
            return
        _holders -= 1
        if _holders == 0:
            gc.unfreeze()
            if _previous is not None:
                gc.set_threshold(*_previous)
            _previous = None
