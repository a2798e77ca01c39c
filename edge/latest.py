"""Every tag's latest value, as the agent's `latest` mapping answers it (tag name -> TagValue).

A device's scan read whole and GOOD (a `TagBlock`) is stored as the block, one reference per tag, and a
tag's TagValue is made from it when someone asks (then kept): scanning 1,000 tags every 100 ms made and
freed 10,000 TagValues a second that nobody read. Every other value is stored as it comes.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from itertools import repeat
from operator import attrgetter

from .tags import TagBlock, TagValue

TAG = attrgetter("tag")


class LatestValues(MutableMapping[str, TagValue]):
    """Tag name -> its latest TagValue; `put_block` keeps a block's values without a TagValue each."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: dict[str, TagValue | TagBlock] = {}

    def __getitem__(self, tag: str) -> TagValue:
        entry = self._entries[tag]
        if entry.__class__ is TagBlock:
            entry = self._entries[tag] = entry.tag_value(tag)  # type: ignore[union-attr]
        return entry  # type: ignore[return-value]

    def get(self, tag: str, default: TagValue | None = None) -> TagValue | None:  # type: ignore[override]
        return self[tag] if tag in self._entries else default

    def __contains__(self, tag: object) -> bool:
        return tag in self._entries

    def __setitem__(self, tag: str, value: TagValue) -> None:
        self._entries[tag] = value

    def __delitem__(self, tag: str) -> None:
        del self._entries[tag]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def put_all(self, values: list[TagValue]) -> None:
        """Each value as its tag's latest (in C passes)."""
        self._entries.update(zip(map(TAG, values), values))

    def put_block(self, block: TagBlock) -> None:
        """Each of the block's values as its tag's latest, kept in the block until asked for (in C passes)."""
        self._entries.update(zip(block.layout.tags, repeat(block)))
