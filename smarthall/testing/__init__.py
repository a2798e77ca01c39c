"""Testing against the simulated line from any project's pytest suite (docs/pytest-plugin.md).

`smarthall.pytest_plugin` (the wheel's `pytest11` entry point) registers `plugin`'s fixtures once a project
turns it on; they are built from `line.LineUnderTest`, `edge.EdgeUnderTest` and `faults.Faults`, each
running in a `smarthall.portal.Portal` thread so plain and async tests use them alike.
"""
