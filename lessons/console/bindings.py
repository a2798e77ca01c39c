"""Bindings whose Footer descriptions follow the console's language."""

from __future__ import annotations

from textual.binding import Binding
from textual.dom import DOMNode

from .texts import t

# (key, action, text key, show)
Keys = tuple[tuple[str, str, str, bool], ...]


def bindings(keys: Keys, lang: str) -> list[Binding]:
    return [Binding(key, action, t(text, lang), show=show) for key, action, text, show in keys]


def translate(node: DOMNode, keys: Keys, lang: str) -> None:
    """Replace the node's own bindings with ones described in lang; the Footer shows them at once."""
    for binding in bindings(keys, lang):
        node._bindings.key_to_bindings[binding.key] = [binding]
    node.refresh_bindings()
