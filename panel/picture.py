"""The station's picture in text, from its latest values: the HMI's mimic diagram (sans-IO, Rich text).

Conveyor: the stack light and the 800 mm belt with its sensors and the parts on it (`BeltTracker`).
Feeder: the magazine's level, the pusher and the last part's colour. Process: the furnace temperature
against its setpoint on one scale, the batch state and the heater. Camera: the last verdict, large.
Anything else: its values as a table. A value that is not GOOD never shows as a number: it shows
``--`` and why (`shown`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rich.text import Text as Rich

from smarthall.edge.tags import TagValue

from .station import Station
from .texts import pad, say

BELT_MM = 800
BELT_CHARS = 40  # 20 mm a character
SENSORS = {"pe_entry": 0, "pe_camera": 300, "metal_detect": 400, "pe_diverter": 600, "pe_exit": 800}
PART_MM = 40
SNAP_MM = 160  # how far short of a sensor a tracked part may be when the sensor sees it (a slower belt)
MAGAZINE = 50  # the simulated feeder's full magazine (LINE.md); a fuller one stretches the bar
FURNACE_MAX = 260  # the over-temperature alarm of the process station (LINE.md): the scale's end
LIGHTS = (("light_red", "red"), ("light_yellow", "yellow"), ("light_green", "green"))
COLOURS = {1: ("red", "red"), 2: ("black", "grey50"), 3: ("silver", "bright_white")}


def shown(value: TagValue | None, lang: str, digits: int | None = None, brief: bool = False) -> str:
    """A value as a person reads it with its unit, or ``--`` and why (brief: only ``--``) when there is none
    that can be trusted."""
    if value is None:
        return "--"
    if value.quality != "good" or value.value is None:
        return "--" if brief else f"-- ({value.reason or value.quality})"
    number = value.value
    if isinstance(number, bool):
        return say("on" if number else "off", lang)
    if isinstance(number, float):
        number = f"{number:.{1 if digits is None else digits}f}"
    return f"{number} {value.unit}".rstrip()


def good(values: Mapping[str, TagValue], tag: str | None):
    """The tag's value when it is GOOD, else None."""
    value = values.get(tag) if tag else None
    return value.value if value is not None and value.quality == "good" else None


@dataclass
class BeltTracker:
    """Where the parts on the belt are: placed by the photo-eyes and the metal sensor, moved by the belt's speed.

    Between two sensors a part's place is dead reckoning (speed_actual while the motor runs); each sensor
    that sees a part puts it back where that sensor is. A part leaves at the exit, or at the diverter when
    the reject counter goes up.
    """

    parts: list[float] = field(default_factory=list)
    seen: dict[str, bool] = field(default_factory=dict)
    rejected: int | None = None
    at: float | None = None

    def update(self, station: Station, values: Mapping[str, TagValue], now: float) -> None:
        speed = good(values, station.tag("speed_actual")) or 0
        running = good(values, station.tag("motor_running"))
        if self.at is not None and running:
            self.parts = [p + speed * (now - self.at) for p in self.parts]
        self.at = now
        for sensor, position in SENSORS.items():
            on = bool(good(values, station.tag(sensor)))
            if on and not self.seen.get(sensor):
                self._place(position)
            self.seen[sensor] = on
        rejected = good(values, station.tag("parts_rejected"))
        if rejected is not None and self.rejected is not None and rejected > self.rejected:
            diverted = [p for p in self.parts if p >= SENSORS["pe_diverter"] - PART_MM]
            if diverted:
                self.parts.remove(min(diverted))
        self.rejected = rejected
        self.parts = sorted(p for p in self.parts if p <= BELT_MM + PART_MM)

    def _place(self, position: float) -> None:
        """A sensor saw a part: the tracked part arriving there is put at the sensor, or a new one (from the entry)."""
        arriving = [p for p in self.parts if position - SNAP_MM <= p <= position + PART_MM]
        if arriving:
            self.parts.remove(max(arriving))
        self.parts.append(float(position))


def draw(station: Station, values: Mapping[str, TagValue], lang: str, belt: BeltTracker | None = None) -> Rich:
    """The station's picture for its kind."""
    return {"conveyor": _conveyor, "feeder": _feeder, "process": _process, "vision": _vision}.get(
        station.picture, _table)(station, values, lang, belt)


def _lights(station: Station, values: Mapping[str, TagValue], lang: str) -> Rich:
    out = Rich(say("stack_light", lang) + " ")
    for point, colour in LIGHTS:
        lit = good(values, station.tag(point))
        out.append("●", style=f"bold {colour}" if lit else ("grey30" if lit is not None else "grey15"))
        out.append(" ")
    return out


def _state(values: Mapping[str, TagValue], tag: str | None, on: str, off: str, lang: str) -> str:
    value = good(values, tag)
    return "--" if value is None else say(on if value else off, lang)


def _conveyor(station: Station, values, lang: str, belt: BeltTracker | None) -> Rich:
    out = _lights(station, values, lang)
    out.append(f"  {say('motor', lang)} {_state(values, station.tag('motor_running'), 'running', 'stopped', lang)}")
    out.append(f"  {_state(values, station.tag('auto_mode'), 'auto', 'manual', lang)}\n")
    estop = good(values, station.tag("estop_ok"))
    if estop is False:
        out.append(say("estop_pressed", lang) + "\n", style="bold white on red")
    code = good(values, station.tag("fault_code"))
    if code:
        out.append(say(f"fault_{code}", lang) + "\n", style="bold red")
    row = ["═"] * BELT_CHARS
    for position in SENSORS.values():
        row[min(position * BELT_CHARS // BELT_MM, BELT_CHARS - 1)] = "┼"
    for part in belt.parts if belt is not None else []:
        row[min(int(part) * BELT_CHARS // BELT_MM, BELT_CHARS - 1)] = "●"
    out.append(_scale() + "\n", style="grey50")
    out.append("▕" + "".join(row) + "▏\n")
    out.append(f"{say('speed', lang)} {shown(values.get(station.tag('speed_actual') or ''), lang)}"
               f"  {say('current', lang)} {shown(values.get(station.tag('motor_current') or ''), lang, 2)}\n")
    return out


def _scale() -> str:
    """The belt's sensor positions in mm, each above its column."""
    labels = [" "] * (BELT_CHARS + 4)
    for position in SENSORS.values():
        column = 1 + min(position * BELT_CHARS // BELT_MM, BELT_CHARS - 1)
        labels[column:column + len(str(position))] = str(position)
    return "".join(labels).rstrip() + " mm"


def _feeder(station: Station, values, lang: str, belt) -> Rich:
    out = Rich()
    count = good(values, station.tag("magazine_count"))
    full = max(MAGAZINE, count or 0)
    filled = 0 if count is None else round(20 * count / full)
    out.append(f"{say('magazine', lang)} ")
    out.append("█" * filled, style="yellow" if count else "red")
    out.append("░" * (20 - filled), style="grey30")
    out.append(f" {shown(values.get(station.tag('magazine_count') or ''), lang)}\n")
    if good(values, station.tag("magazine_empty")):
        out.append(say("magazine_empty", lang) + "\n", style="bold red")
    pusher = ("extended" if good(values, station.tag("pusher_extended"))
              else "retracted" if good(values, station.tag("pusher_retracted")) else None)
    out.append(f"{say('pusher', lang)} {say(pusher, lang) if pusher else '--'}"
               f"  {say('auto_feed', lang)} {_state(values, station.tag('auto_feed'), 'on', 'off', lang)}\n")
    colour = good(values, station.tag("last_part_color"))
    out.append(f"{say('last_part', lang)} {shown(values.get(station.tag('last_part_id') or ''), lang)} ")
    if colour in COLOURS:
        name, style = COLOURS[colour]
        out.append("●", style=style)
        out.append(f" {say(name, lang)}")
    out.append("\n")
    return out


def _process(station: Station, values, lang: str, belt) -> Rich:
    out = Rich()
    temperature = good(values, station.tag("temperature"))
    setpoint = good(values, station.tag("setpoint"))
    width = 30
    scale = Rich("0 ")
    bar = ["─"] * width
    if temperature is not None:
        for column in range(min(width, max(0, round(width * temperature / FURNACE_MAX)))):
            bar[column] = "█"
    if setpoint is not None:
        bar[min(width - 1, max(0, round(width * setpoint / FURNACE_MAX)))] = "▼"
    hot = temperature is not None and setpoint is not None and temperature > setpoint + 5
    scale.append("".join(bar), style="red" if hot else "dark_orange")
    scale.append(f" {FURNACE_MAX} °C\n")
    out.append(f"{say('temperature', lang)} {shown(values.get(station.tag('temperature') or ''), lang)}"
               f"  ▼ {say('setpoint', lang)} {shown(values.get(station.tag('setpoint') or ''), lang)}\n")
    out.append_text(scale)
    state = good(values, station.tag("batch_state"))
    out.append(f"{say('batch', lang)} {say(f'batch_{state}', lang) if state in range(6) else '--'}"
               f"  {say('heater', lang)} {shown(values.get(station.tag('heater_output') or ''), lang)}"
               f"  {_state(values, station.tag('mode'), 'auto', 'manual', lang)}\n")
    return out


def _vision(station: Station, values, lang: str, belt) -> Rich:
    out = Rich()
    verdict = good(values, station.tag("last_verdict"))
    style = {"pass": "bold black on green", "fail": "bold white on red"}.get(verdict or "", "bold black on yellow")
    out.append(f" {say(f'verdict_{verdict}', lang) if verdict in ('pass', 'fail', 'none') else '--'} ", style=style)
    out.append(f"  {say('part', lang)} {shown(values.get(station.tag('last_part') or ''), lang)}\n")
    out.append(f"{say('defects', lang)} {shown(values.get(station.tag('last_defects') or ''), lang) or '-'}\n")
    camera = good(values, station.tag("camera_ok"))
    out.append(f"{say('camera', lang)} ")
    out.append(say("camera_ok" if camera else "camera_lost", lang) if camera is not None else "--",
               style="green" if camera else "bold red")
    out.append(f"  {say('latency', lang)} {shown(values.get(station.tag('latency_ms') or ''), lang)}"
               f"  ⌀ {shown(values.get(station.tag('diameter_mm') or ''), lang, 2)}\n")
    return out


def _table(station: Station, values, lang: str, belt) -> Rich:
    out = Rich()
    for reading in station.readings:
        out.append(f"{pad(reading.text(lang).split(' (')[0], 28)} {shown(values.get(reading.tag), lang)}\n")
    return out
