"""Smart Hall's pytest plugin: found through the wheel's `pytest11` entry point, off until a project asks for it.

Turn it on with ``-p smarthall`` (on the command line or in ``addopts``) or ``smarthall = true`` in the
project's pytest configuration. Until then this module only declares the options below (and imports
nothing but the `smarthall` package itself), so installing Smart Hall changes no other project's test
run. Once on, the fixtures in `smarthall.testing.plugin` are registered (docs/pytest-plugin.md).
"""

from __future__ import annotations

ENTRY_POINT = "smarthall"
SCOPES = ("function", "module", "package", "session")


def pytest_addoption(parser) -> None:
    group = parser.getgroup("smarthall", "Smart Hall simulated line (on with -p smarthall or smarthall = true)")
    parser.addini("smarthall", type="bool", default=False,
                  help="turn the Smart Hall fixtures on (smarthall_line, smarthall_edge, smarthall_faults, ...)")
    for name, default, text in (
        ("scope", "function", f"how long one simulated line lives: {', '.join(SCOPES)}"),
        ("seed", "1", "the simulated plant's seed (the same seed, the same parts)"),
        ("time_scale", "1", "plant seconds per wall-clock second, 0.1..100"),
        ("clock", "wall", "wall: the plant runs by itself; manual: it moves only when a test steps it"),
        ("line_file", "", "run smarthall_edge on this line file instead of a simulated line"),
    ):
        group.addoption(f"--smarthall-{name.replace('_', '-')}", dest=f"smarthall_{name}", default=None,
                        help=f"{text} (ini: smarthall_{name}, default {default or 'none'})")
        parser.addini(f"smarthall_{name}", default=default, help=text)


def pytest_configure(config) -> None:
    if ENTRY_POINT in (config.option.plugins or []) or config.getini("smarthall"):
        from smarthall.testing import plugin

        config.pluginmanager.register(plugin, "smarthall.testing.plugin")
