"""The station as the panel sees it: its layout (`panel.layout`) matched to the running agent's tags and methods.

`stations(tags, methods)` takes what `Client.tags()` and `Client.methods()` answer and gives every station of
the line (its connections, and ``vision`` when the edge inspects parts) with the tags it watches, its buttons,
setpoints, method arguments, counters and trends. Sans-IO: no client, no widget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from smarthall.devices.profiles import Level, Text
from smarthall.edge.errors import Forbidden
from smarthall.edge.users import Role, User, authorize

from .layout import GENERIC, LAYOUTS, Layout

MAX_TRENDS = 4


@dataclass(frozen=True)
class Setting:
    """A value the panel sends: a setpoint (``tag`` is the tag) or a method's argument (``Method.argument``)."""

    id: str
    text: Text
    unit: str
    low: float | None
    high: float | None
    integer: bool
    level: Level
    first: float | None = None  # an argument's value before anyone types one

    def parse(self, typed: str) -> float | int:
        """The typed number, checked against the range; `BadValue` (a `panel.texts` key) when it is not one."""
        typed = typed.strip()
        try:
            value = float(typed.replace(",", "."))
        except ValueError:
            raise BadValue("not_a_number", typed=typed) from None
        if not math.isfinite(value):
            raise BadValue("not_a_number", typed=typed)
        if self.integer:
            if value != int(value):
                raise BadValue("not_whole", typed=typed)
            value = int(value)
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise BadValue("out_of_range", value=f"{value:g}", range=range_of(self))
        return value


class BadValue(ValueError):
    """A typed value a setting does not take: the `panel.texts` key that says why, and what fills it in."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key, self.values = key, values


@dataclass(frozen=True)
class Button:
    """A press: write ``value`` to ``tag``, or call ``method`` with the values of ``args`` (Setting ids)."""

    id: str
    text: Text
    level: Level
    tag: str | None = None
    value: bool | int | None = None
    method: str | None = None
    args: tuple[str, ...] = ()
    variant: str = "default"


@dataclass(frozen=True)
class Reading:
    """A value the panel shows: tag, what it is, unit."""

    tag: str
    text: Text
    unit: str


@dataclass(frozen=True)
class Station:
    name: str
    profile: str
    title: Text
    picture: str
    tags: tuple[str, ...]  # every tag of the station: what the panel watches
    buttons: tuple[Button, ...]
    setpoints: tuple[Setting, ...]
    arguments: tuple[Setting, ...]
    counters: tuple[Reading, ...]
    trends: tuple[Reading, ...]
    readings: tuple[Reading, ...]  # every tag, for the table picture

    def tag(self, point: str) -> str | None:
        """The station's tag of a point (``conveyor.motor_run`` for motor_run), None when it has none."""
        return next((t for t in self.tags if t.rpartition(".")[2] == point), None)


def stations(tags: Sequence[dict], methods: Sequence[dict]) -> dict[str, Station]:
    """Every station of the line by name, in the order the agent lists its tags."""
    names: dict[str, str] = {}
    for tag in tags:
        names.setdefault(tag["connection"] or tag["profile"], tag["profile"])
    return {name: _station(name, profile, [t for t in tags if (t["connection"] or t["profile"]) == name],
                           [m for m in methods if m["connection"] == name])
            for name, profile in names.items()}


def refusal(user: dict, station: str, level: Level, action: str = "write") -> Text | None:
    """Why the signed-in user (`Client.user`) may not do this here, as edge.users.authorize says (None: they may).

    Only to grey out what the role cannot do: the agent decides again on every press.
    """
    try:
        authorize(User(user["name"], Role(user["role"]), user.get("team"), frozenset(user.get("stations", ()))),
                  action, station, level)
    except Forbidden as exc:
        return Text(exc.ko, exc.en)
    except ValueError:  # a role this panel does not know: the agent decides
        return None
    return None


def _station(name: str, profile: str, tags: list[dict], methods: list[dict]) -> Station:
    layout = LAYOUTS.get(profile, GENERIC)
    by_point = {t["name"].rpartition(".")[2]: t for t in tags}
    by_method = {m["name"].rpartition(".")[2]: m for m in methods}
    arguments = tuple(_argument(m, layout) for m in methods)
    buttons = tuple(b for p in layout.presses if (b := _button(p, by_point, by_method)) is not None)
    setpoints = tuple(_setting(by_point[p]) for p in _setpoint_points(layout, tags) if p in by_point)
    return Station(
        name=name, profile=profile, title=layout.title if layout is not GENERIC else Text(name, name),
        picture=layout.picture, tags=tuple(t["name"] for t in tags), buttons=buttons, setpoints=setpoints,
        arguments=tuple(a for group in arguments for a in group),
        counters=tuple(_reading(by_point[p]) for p in layout.counters if p in by_point),
        trends=tuple(_reading(by_point[p]) for p in _trend_points(layout, tags) if p in by_point),
        readings=tuple(_reading(t) for t in tags),
    )


def _setpoint_points(layout: Layout, tags: list[dict]) -> tuple[str, ...]:
    if layout.setpoints is not None:
        return layout.setpoints
    return tuple(t["name"].rpartition(".")[2] for t in tags
                 if t["access"] == "rw" and t["type"] not in ("bool", "string"))


def _trend_points(layout: Layout, tags: list[dict]) -> tuple[str, ...]:
    if layout.trends is not None:
        return layout.trends
    return tuple(t["name"].rpartition(".")[2] for t in tags if t["type"].startswith("float"))[:MAX_TRENDS]


def _button(press, by_point: dict, by_method: dict) -> Button | None:
    if press.method is not None:
        method = by_method.get(press.method)
        if method is None:
            return None
        args = tuple(f"{method['name']}.{i['name']}" for i in method["inputs"])
        return Button(press.id, press.text, Level(method["level"]), method=method["name"], args=args,
                      variant=press.variant)
    tag = by_point.get(press.point)
    if tag is None or tag["access"] != "rw":
        return None
    return Button(press.id, press.text, Level(tag["level"]), tag=tag["name"], value=press.value, variant=press.variant)


def _setting(tag: dict) -> Setting:
    return Setting(tag["name"], Text(tag["ko"], tag["en"]), tag["unit"], tag["min"], tag["max"],
                   not tag["type"].startswith("float"), Level(tag["level"] or "supervise"))


def _argument(method: dict, layout: Layout) -> tuple[Setting, ...]:
    firsts = layout.arguments.get(method["name"].rpartition(".")[2], ())
    return tuple(Setting(f"{method['name']}.{i['name']}", Text(i["name"], i["name"]), "", i["min"], i["max"],
                         not i["type"].startswith("float"), Level(method["level"]),
                         firsts[n] if n < len(firsts) else None)
                 for n, i in enumerate(method["inputs"]))


def _reading(tag: dict) -> Reading:
    return Reading(tag["name"], Text(tag["ko"], tag["en"]), tag["unit"])


def range_of(setting: Setting) -> str:
    """``0..500 mm/s``: what the setting accepts."""
    low = "" if setting.low is None else f"{setting.low:g}"
    high = "" if setting.high is None else f"{setting.high:g}"
    return f"{low}..{high} {setting.unit}".rstrip()
