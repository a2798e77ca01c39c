"""The historian's exception tree (see the package docstring)."""

from __future__ import annotations

from ..errors import EdgeError


class HistorianError(EdgeError):
    """Base of every error the historian raises; the message names the database file."""


class NewerSchema(HistorianError):
    """The database was written by a newer Smart Hall (higher schema version) than this one."""
