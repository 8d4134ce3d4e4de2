"""Pausing the cyclic garbage collector around allocation-heavy work.

Drawing a timeline of 20,000 events allocates a few hundred thousand short-lived objects
(records, statuses, marks, strings), none of them in reference cycles. Python's generational
collector runs every 700 allocations and now and then walks every live object; measured on the
benchmark (bench/timeline.py) that is a fifth of the time of the whole render. Reference
counting frees all of it anyway; the collector runs again as soon as it is switched back on.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Switch the cyclic collector off for the block, and back on if it was on."""
    # Process-wide: when two threads overlap, the first to finish switches it back on, which
    # only costs the other some of the saving. Nothing else in the tracker switches it off.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def without_gc_pauses(function: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of ``gc_paused``."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return function(*args, **kwargs)

    return wrapper
