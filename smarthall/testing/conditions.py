"""A condition on tags that a test waits for, and what it says when the wait times out (sans-IO).

`TagCondition(tags, condition, quality)` is offered the line's latest values again and again;
`met` holds once every tag has the wanted quality and the condition holds (a callable gets the
tags' values in order; anything else is compared with ==). `failure(timeout)` is the assertion
message: the condition, then every tag's last values (the changes seen, oldest first), quality
and reason, so a failing test shows what the line did instead.
"""

from __future__ import annotations

import inspect
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from smarthall.devices.quality import Quality
from smarthall.edge.tags import TagValue

SHOWN_CHANGES = 8


@dataclass
class TagCondition:
    tags: Sequence[str]
    condition: object  # a callable of the tags' values, the value each tag must equal, or None: any value
    quality: Quality = Quality.GOOD
    seen: dict[str, deque[TagValue]] = field(default_factory=dict)

    def offer(self, latest: Mapping[str, TagValue]) -> bool:
        """Take the latest values; True when the condition is met by them."""
        values = [latest.get(tag) for tag in self.tags]
        for tag, value in zip(self.tags, values, strict=True):
            if value is None:
                continue
            changes = self.seen.setdefault(tag, deque(maxlen=SHOWN_CHANGES))
            if not changes or (changes[-1].value, changes[-1].quality) != (value.value, value.quality):
                changes.append(value)
        if any(v is None or v.quality is not self.quality for v in values):
            return False
        if self.condition is None:
            return True
        plain = [v.value for v in values]  # type: ignore[union-attr]
        if callable(self.condition):
            return bool(self.condition(*plain))
        return all(value == self.condition for value in plain)

    def failure(self, timeout: float) -> str:
        """The assertion message after `timeout` seconds without the condition."""
        lines = [f"{', '.join(self.tags)}: {self.wanted()} not met within {timeout:g} s; last values (oldest first):"]
        width = max(len(tag) for tag in self.tags)
        for tag in self.tags:
            changes = self.seen.get(tag)
            if not changes:
                lines.append(f"  {tag:<{width}}  no value yet")
                continue
            last = changes[-1]
            shown = ", ".join(_shown(c) for c in changes)
            reason = f" ({last.reason})" if last.reason else ""
            lines.append(f"  {tag:<{width}}  {shown}  [{last.quality}{reason}]")
        return "\n".join(lines)

    def wanted(self) -> str:
        quality = f"quality {self.quality}"
        return " and ".join(filter(None, [quality, None if self.condition is None else describe(self.condition)]))


def describe(condition: object) -> str:
    """A condition as a test wrote it: a lambda's source, a function's name, or '== value'."""
    if not callable(condition):
        return f"== {condition!r}"
    if getattr(condition, "__name__", "") == "<lambda>":
        try:
            source = inspect.getsource(condition).strip()
        except (OSError, TypeError):
            return "<lambda>"
        start = source.find("lambda")
        body = source.find(":", start)
        return source[start:body + 1] + _balanced(source[body + 1:]) if start >= 0 else "<lambda>"
    return getattr(condition, "__qualname__", repr(condition))


def _balanced(text: str) -> str:
    """A lambda's text up to where its enclosing call closes (inspect gives the whole source line)."""
    depth = 0
    for i, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return text[:i].rstrip(", ")
            depth -= 1
        elif char == "," and depth == 0:
            return text[:i]
    return text


def _shown(value: TagValue) -> str:
    return "BAD" if value.value is None else repr(value.value)

