"""The line configurations shipped with Smart Hall (package data, read through importlib.resources)."""
