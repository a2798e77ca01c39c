"""Seeded random streams: one independent, reproducible stream per subsystem."""

import random


def stream(seed: int, name: str) -> random.Random:
    """A random stream for `name` that depends only on `seed` and `name`."""
    return random.Random(f"{seed}/{name}")
