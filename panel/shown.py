"""Putting content on a widget only when it changes: every `Static.update` costs the screen a layout pass."""

from __future__ import annotations

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static


def show(widget: Static, content: VisualType) -> None:
    """widget.update(content), unless the widget shows the same already: an equal string, or Rich text with the
    same characters, styles and layout."""
    if _seen(content) != _seen(widget.content):
        widget.update(content)


def _seen(content: VisualType) -> object:
    """What decides how content looks (Rich's Text == compares characters and spans, not its own style)."""
    if isinstance(content, Text):
        return (Text, content.plain, content.style, tuple(content.spans), content.justify, content.overflow,
                content.no_wrap, content.end, content.tab_size)
    return content
