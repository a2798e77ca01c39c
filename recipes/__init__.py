"""The inspection recipes shipped with Smart Hall (package data, read through importlib.resources)."""
