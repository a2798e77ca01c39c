"""Bindings whose Footer descriptions follow the app's language (the console's, the centre's with their texts)."""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding
from textual.dom import DOMNode

from .texts import t

# (key, action, text key, show)
Keys = tuple[tuple[str, str, str, bool], ...]


def bindings(keys: Keys, lang: str, texts: Callable[[str, str], str] = t) -> list[Binding]:
    return [Binding(key, action, texts(text, lang), show=show) for key, action, text, show in keys]


def translate(node: DOMNode, keys: Keys, lang: str, texts: Callable[[str, str], str] = t) -> None:
    """Replace the node's own bindings with ones described in lang; the Footer shows them at once."""
    for binding in bindings(keys, lang, texts):
        node._bindings.key_to_bindings[binding.key] = [binding]
    node.refresh_bindings()
