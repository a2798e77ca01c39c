"""On-delay and off-delay, pure: a condition change counts only once it has held long enough."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Delay:
    """`on_s`: how long a true condition must hold to activate; `off_s`: how long a false one to return."""

    on_s: float = 0.0
    off_s: float = 0.0

    def settle(self, current: bool, raw: bool, since: float | None, now: float) -> tuple[bool, float | None]:
        """(condition, pending since) after seeing `raw` at `now`, the condition being `current`.

        `since` is when `raw` started to differ from `current` (None: it did not); a change
        that reverts before its delay is over is forgotten.
        """
        if raw == current:
            return current, None
        since = now if since is None else since
        if now - since >= (self.on_s if raw else self.off_s):
            return raw, None
        return current, since
