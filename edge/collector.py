"""The garbage collector tuned while an agent scans: fewer, larger young collections, start-up objects frozen.

Every value scanned leaves a few GC-tracked objects (its reading, its TagValue, the historian's
buffer holds a period of them), so with the default young threshold (700 allocations) the
collector ran about 30 times a second at 10,000 values/s and took ~15% of the agent's CPU
(benchmarks/scan_vs_nodered.py, measured with gc.callbacks); with 20,000 it runs about twice a
second for a fifth of that. `gc.freeze()` moves what exists once the agent has started (imports,
the line, the drivers) out of the collector's way, so the full collections that remain walk only
what the scan made. Process-wide: the first agent to start saves the settings, the last to close
restores them (and unfreezes).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000

_users = 0
_saved: tuple[int, int, int] | None = None


def tune() -> None:
    """Scanning starts: tune the collector (first caller) and count the caller."""
    global _users, _saved
    _users += 1
    if _users == 1:
        _saved = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(YOUNG_THRESHOLD, *_saved[1:])


def restore() -> None:
    """Scanning stops: the last caller puts the collector's settings back and unfreezes."""
    global _users
    if _users == 0:
        return
    _users -= 1
    if _users == 0 and _saved is not None:
        gc.set_threshold(*_saved)
        gc.unfreeze()
