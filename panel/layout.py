"""What a station kind's panel shows and offers, as data: the HMI's screen for each profile of the line.

A layout names points and methods of its profile (station interface v1, devices/profiles); `panel.station`
matches it to what the running agent really has, so a line without one of these points simply has one button
fewer. Who may press what is not here: the profile's level of each point and method, checked by the agent.
A profile without a layout (the RS-485 field bus, a hall's own) gets `GENERIC`: every value, every writable
number as a setpoint, its analog values as trends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from smarthall.devices.profiles import Text


@dataclass(frozen=True)
class Press:
    """A button: write ``value`` to ``point``, or call ``method`` with the panel's inputs for its arguments."""

    id: str
    text: Text
    point: str | None = None
    value: bool | int | None = None
    method: str | None = None
    variant: str = "default"  # the button's colour: success (starts), error (stops), warning (resets), default


@dataclass(frozen=True)
class Layout:
    """One station kind's screen: its title, picture, buttons, setpoints, counters and trends (point names)."""

    title: Text
    picture: str  # which drawing of panel.picture: conveyor, feeder, process, vision or table
    presses: tuple[Press, ...] = ()
    setpoints: tuple[str, ...] | None = None  # None: every writable number of the station
    counters: tuple[str, ...] = ()
    trends: tuple[str, ...] | None = None  # None: every floating-point value of the station (at most four)
    arguments: Mapping[str, tuple[float, ...]] = field(default_factory=dict)  # a method's first argument values


LAYOUTS: dict[str, Layout] = {
    "conveyor": Layout(
        Text("컨베이어 스테이션", "Conveyor station"), "conveyor",
        presses=(
            Press("start", Text("운전", "Start"), "motor_run", True, variant="success"),
            Press("stop", Text("정지", "Stop"), "motor_run", False, variant="error"),
            Press("auto", Text("자동", "Auto"), "auto_mode", True),
            Press("manual", Text("수동", "Manual"), "auto_mode", False),
            Press("divert", Text("분기", "Divert"), "divert_reject", True),
            Press("straight", Text("직진", "Straight"), "divert_reject", False),
            Press("reset", Text("카운터 리셋", "Reset counters"), "reset_counters", True, variant="warning"),
            Press("fault_reset", Text("고장 리셋", "Fault reset"), "fault_reset", True, variant="warning"),
        ),
        setpoints=("speed_setpoint", "divert_pulse_ms"),
        counters=("parts_in", "parts_good", "parts_rejected", "parts_uninspected", "run_seconds"),
        trends=("speed_actual", "motor_current"),
    ),
    "feeder": Layout(
        Text("공급 스테이션", "Feeder station"), "feeder",
        presses=(
            Press("feed", Text("공급", "Feed"), "feed", True, variant="success"),
            Press("auto_on", Text("자동 공급 켜기", "Auto feed on"), "auto_feed", True),
            Press("auto_off", Text("자동 공급 끄기", "Auto feed off"), "auto_feed", False),
        ),
        setpoints=("feed_interval_ms",),
        counters=("magazine_count", "parts_dispensed", "last_part_id"),
        trends=("magazine_count",),
    ),
    "process": Layout(
        Text("열처리 공정 스테이션", "Heat-treatment station"), "process",
        presses=(
            Press("start_batch", Text("배치 시작", "Start batch"), method="StartBatch", variant="success"),
            Press("abort_batch", Text("배치 중단", "Abort batch"), method="AbortBatch", variant="error"),
            Press("auto", Text("자동", "Auto"), "mode", 1),
            Press("manual", Text("수동", "Manual"), "mode", 0),
        ),
        setpoints=("setpoint", "heater_output", "kp", "ki", "kd"),
        counters=("batch_count",),
        trends=("temperature", "setpoint", "heater_output"),
        arguments={"StartBatch": (120, 60)},
    ),
    "vision": Layout(
        Text("비전 검사 스테이션", "Camera inspection station"), "vision",
        setpoints=(),
        counters=("inspected", "passed", "failed", "no_frame"),
        trends=("latency_ms", "diameter_mm"),
    ),
}

GENERIC = Layout(Text("스테이션", "Station"), "table")
