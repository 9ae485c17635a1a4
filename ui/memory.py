"""A cache bounded in bytes, for what uploads turn into (tables, signal arrays).

``st.cache_data`` bounds entries by count and age only: eight cached 20-million-
cell tables could hold gigabytes for as long as the server runs. This cache is
shared by every session (entries are keyed by the upload's sha256, so a session
only ever gets back what its own bytes produce), drops the least recently used
entries beyond its byte budget, and forgets entries unused for an hour.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from typing import Any, Callable

import numpy as np
import pandas as pd

# Uploads are at most 50 MB and tables at most core.io.MAX_CELLS cells; 1 GiB keeps
# a few recent tables warm without letting one server grow without bound.
LIMIT_BYTES = 1 << 30
TTL_SECONDS = 3600


def size_of(value: Any) -> int:
    """Approximate memory held by ``value`` (DataFrames deep, arrays by buffer, tuples summed)."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True, index=True).sum())
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (tuple, list)):
        return sum(size_of(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return sum(size_of(getattr(value, f)) for f in value.__dataclass_fields__)
    if isinstance(value, (bytes, str)):
        return len(value)
    return sys.getsizeof(value)


class ByteBoundedCache:
    """Least-recently-used cache whose entries together stay under ``limit`` bytes."""

    def __init__(self, limit: int = LIMIT_BYTES, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.limit, self.ttl, self._clock = int(limit), float(ttl), clock
        self._entries: OrderedDict[Any, tuple[Any, int, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(size for _, size, _ in self._entries.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get_or_build(self, key: Any, build: Callable[[], Any]) -> Any:
        """Return the value under ``key``, building and storing it when absent (exceptions are not stored)."""
        now = self._clock()
        with self._lock:
            self._expire(now)
            if key in self._entries:
                value, size, _ = self._entries.pop(key)
                self._entries[key] = (value, size, now)
                return value
        value = build()
        size = size_of(value)
        with self._lock:
            if size <= self.limit:
                self._entries.pop(key, None)
                self._entries[key] = (value, size, now)
                total = sum(s for _, s, _ in self._entries.values())
                while total > self.limit and len(self._entries) > 1:
                    _, (_, dropped, _) = self._entries.popitem(last=False)
                    total -= dropped
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _expire(self, now: float) -> None:
        for key in [k for k, (_, _, used) in self._entries.items() if now - used > self.ttl]:
            del self._entries[key]


UPLOADS = ByteBoundedCache()
