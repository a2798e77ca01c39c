"""OPC UA addresses as profiles write them, parsed without a server (sans-IO).

A point's ``node`` (and a device's ``object``, a method's ``node`` and ``object``) is either

- a NodeId in the standard text form (OPC UA Part 6, 5.3.1.10): ``i=2258``,
  ``ns=3;s="DB_Line"."Temperature"``, ``ns=2;g=09087e75-8e5e-499b-954f-f2a9603db28a``,
  ``ns=1;b=M/RsB2Q=``, or ``nsu=http://www.siemens.com/simatic-s7-opcua;s=...`` to name
  the namespace by its URI (its index may move between servers or restarts); no ``ns``
  means namespace 0;
- or a browse path: browse names separated by ``/``, each optionally prefixed with its
  namespace, ``3:DB_Line`` (index) or ``nsu=URI;DB_Line`` (URI); an element without a
  prefix is in the profile's ``[transport] namespace``. A path starting with ``/`` starts
  at the Objects folder; a point's path without it starts at its device's object (a
  device's ``object`` path always starts at Objects). ``&`` escapes ``/``, ``:`` and ``&``
  in a name (``Pressure&/Flow``).
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass

Namespace = int | str | None
"""A namespace index, a namespace URI, or None: the profile's namespace (browse paths) / 0 (NodeIds)."""

_NODE_ID = re.compile(r"^(?:(?:ns=(?P<ns>\d+)|nsu=(?P<nsu>[^;]+));)?(?P<kind>[isgb])=(?P<id>.+)$", re.DOTALL)
_INDEX = re.compile(r"^(\d+):")
NODE_ID_FORMS = ("i=N", "s=TEXT", "g=GUID", "b=BASE64", "with ns=N; or nsu=URI; before")


@dataclass(frozen=True)
class NodeIdText:
    """A NodeId as written: its namespace (index or URI; None is 0), identifier kind and identifier."""

    namespace: int | str | None
    kind: str  # "i", "s", "g" or "b"
    identifier: int | str | uuid.UUID | bytes


@dataclass(frozen=True)
class BrowsePath:
    """Browse names from Objects (absolute) or from the device's object, each with its namespace."""

    elements: tuple[tuple[Namespace, str], ...]
    absolute: bool


Address = NodeIdText | BrowsePath


def is_node_id(text: str) -> bool:
    return bool(_NODE_ID.match(text)) and not text.startswith("/")


def parse_address(text: str) -> Address:
    """The NodeId or browse path text names; ValueError saying what was expected."""
    if not text.strip():
        raise ValueError("expected a NodeId (ns=3;s=Name, i=85, nsu=URI;s=Name) or a browse path (Object/Name)")
    if is_node_id(text):
        return parse_node_id(text)
    return parse_browse_path(text)


def from_objects(text: str) -> str:
    """An object's address (a device's or method's): a NodeId, or a path from Objects with or without the '/'."""
    return text if text.startswith("/") or is_node_id(text) else f"/{text}"


def parse_node_id(text: str) -> NodeIdText:
    match = _NODE_ID.match(text)
    if match is None:
        raise ValueError(f"expected a NodeId ({', '.join(NODE_ID_FORMS)}), got {text!r}")
    namespace: int | str | None = int(match["ns"]) if match["ns"] is not None else match["nsu"]
    if isinstance(namespace, int) and namespace > 65535:
        raise ValueError(f"expected a namespace index 0..65535, got {text!r}")
    kind, raw = match["kind"], match["id"]
    try:
        identifier: int | str | uuid.UUID | bytes = {
            "i": lambda: _numeric(raw), "s": lambda: raw, "g": lambda: uuid.UUID(raw),
            "b": lambda: base64.b64decode(raw, validate=True)}[kind]()
    except ValueError:
        expected = {"i": "a number 0..4294967295", "g": "a GUID", "b": "base64 bytes"}[kind]
        raise ValueError(f"{kind}= expects {expected}, got {text!r}") from None
    return NodeIdText(namespace, kind, identifier)


def parse_browse_path(text: str) -> BrowsePath:
    absolute = text.startswith("/")
    elements = [_element(raw, text) for raw in _split(text[1:] if absolute else text)]
    return BrowsePath(tuple(elements), absolute)


def _element(raw: str, text: str) -> tuple[Namespace, str]:
    namespace: Namespace = None
    if raw.startswith("nsu="):
        uri, sep, raw = raw[4:].partition(";")
        if not sep or not uri:
            raise ValueError(f"expected nsu=URI;Name in a browse path element, got {text!r}")
        namespace = uri
    elif match := _INDEX.match(raw):
        namespace, raw = int(match[1]), raw[match.end():]
    name = _unescape(raw)
    if not name:
        raise ValueError(f"expected a browse name between each '/', got {text!r}")
    return namespace, name


def _numeric(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(raw)
    return value


def _split(body: str) -> list[str]:
    """Split on '/' not escaped by '&' and not inside an element's nsu=URI; (the escapes stay for _unescape)."""
    parts, current, i = [], "", 0
    while i < len(body):
        if not current and body.startswith("nsu=", i) and (end := body.find(";", i)) >= 0:
            current, i = body[i:end + 1], end + 1
        elif body[i] == "&" and i + 1 < len(body):
            current, i = current + body[i:i + 2], i + 2
        elif body[i] == "/":
            parts.append(current)
            current, i = "", i + 1
        else:
            current, i = current + body[i], i + 1
    parts.append(current)
    return parts


def _unescape(raw: str) -> str:
    return re.sub(r"&(.)", r"\1", raw)
