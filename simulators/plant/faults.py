"""Fault kinds, their targets and params, and the board of active faults.

Communication and camera faults are only validated and stored (the protocol
and camera servers consume them); sensor faults change what a point reads;
plant faults are turned into physics by the Plant.
"""

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .errors import FaultError
from .field import FIELD_DEVICES
from .points import Value

BUS_SETTINGS = (19200, "E")  # the fieldbus's own baud rate and parity
BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


@dataclass(frozen=True)
class Fault:
    """One active fault."""

    id: int
    target: str
    kind: str
    params: Mapping[str, float | str]


@dataclass(frozen=True)
class Param:
    """A fault param: its default and its allowed numbers or choices."""

    default: float | str | None
    lo: float = -math.inf
    hi: float = math.inf
    choices: tuple[float | str, ...] = ()

    def check(self, kind: str, name: str, value: object) -> float | str:
        if self.choices:
            if value not in self.choices or isinstance(value, bool):
                options = ", ".join(map(str, self.choices))
                raise FaultError(f"fault {kind!r} param {name!r} must be one of {options}, got {value!r}")
            return value  # type: ignore[return-value]
        if not isinstance(value, (int, float)) or not math.isfinite(value) or not self.lo <= value <= self.hi:
            expected = "a number" if math.isinf(self.lo) else f"a number in {self.lo:g}..{self.hi:g}"
            raise FaultError(f"fault {kind!r} param {name!r} must be {expected}, got {value!r}")
        return value


@dataclass(frozen=True)
class Rule:
    """Which targets (a group name or one literal target) a kind applies to, with which params."""

    targets: str
    params: Mapping[str, Param]


LINK = "any station or fieldbus device"
BUS = "the fieldbus or one of its devices"
BUS_DEVICE = "a fieldbus device"
SENSOR = "a read-only point"
ANALOG = "a numeric read-only point"

RULES: dict[str, tuple[Rule, ...]] = {
    "offline": (Rule(LINK, {}),),
    "latency": (Rule(LINK, {"ms": Param(200, 0, 10000)}),),
    "drop": (Rule(LINK, {"fraction": Param(0.5, 0, 1)}),),
    "crc_noise": (Rule(BUS, {"fraction": Param(0.2, 0, 1)}),),
    "serial_mismatch": (
        Rule(BUS_DEVICE, {"baudrate": Param(9600, choices=BAUDRATES), "parity": Param("N", choices=("N", "E", "O"))}),
    ),
    "stuck": (Rule(SENSOR, {"value": Param(None)}),),
    "drift": (Rule(ANALOG, {"per_s": Param(0.1, -1000, 1000)}),),
    "noise": (Rule("camera", {"sigma": Param(12, 0, 255)}), Rule(ANALOG, {"sigma": Param(1.0, 0, 1000)})),
    "diverter_jam": (Rule("conveyor", {}),),
    "motor_overload": (Rule("conveyor", {}),),
    "estop": (Rule("conveyor", {}),),
    "heater_failure": (Rule("process", {}),),
    "thermocouple_open": (Rule("process", {}),),
    "dim_light": (Rule("camera", {"factor": Param(0.4, 0, 1)}),),
    "blur": (Rule("camera", {"sigma": Param(3.0, 0, 50)}),),
    "camera_offline": (Rule("camera", {}),),
    "bearing_wear": (Rule("vibration", {}),),
}
FAULT_KINDS = tuple(RULES)


@dataclass(frozen=True)
class Effect:
    """What a fault kind does to the line and when it shows, in Korean and English, with a target it accepts."""

    example: str
    does: tuple[str, str]  # (ko, en)
    shows: tuple[str, str]


EFFECTS: dict[str, Effect] = {
    "offline": Effect("feeder", ("응답하지 않음: 모든 요청이 시간 초과", "stops answering: every request times out"),
                      ("다음 스캔에서 그 연결의 태그가 BAD", "at the next scan: that connection's tags turn BAD")),
    "latency": Effect("feeder", ("요청마다 `ms`만큼 늦게 응답", "answers every request `ms` later"),
                      ("스캔 주기보다 길면 스캔 누락", "overruns once it is longer than the scan period")),
    "drop": Effect("feeder", ("요청의 `fraction`만큼 응답하지 않음", "leaves a `fraction` of requests unanswered"),
                   ("무작위로: 연결 상태의 불량 읽기 비율", "at random: the connection's share of bad reads")),
    "crc_noise": Effect("fieldbus", ("RTU 프레임의 `fraction`만큼 CRC 오류", "corrupts a `fraction` of RTU frames (CRC error)"),
                        ("무작위로: 필드버스 장치의 불량 읽기", "at random: bad reads on the field bus")),
    "serial_mismatch": Effect("ambient", ("장치의 통신 속도/패리티가 버스와 다름: 응답 없음",
                                          "the device is set to another baud rate or parity: it no longer answers"),
                              ("곧바로: 그 장치의 태그가 BAD", "at once: that device's tags turn BAD")),
    "stuck": Effect("conveyor.pe_entry", ("센서가 `value`(기본: 지금 값)에 고정, 품질은 GOOD",
                                          "the sensor reads `value` (default: its value now), quality stays GOOD"),
                    ("곧바로, 값이 바뀌어야 할 때 드러남", "at once; seen when the value should change")),
    "drift": Effect("process.temperature", ("값이 초당 `per_s`만큼 흘러감", "the reading drifts by `per_s` each second"),
                    ("시간이 갈수록 커짐", "grows with time")),
    "noise": Effect("process.temperature", ("값(또는 카메라 영상)에 표준편차 `sigma`의 잡음",
                                            "adds noise of deviation `sigma` to the reading (or the camera picture)"),
                    ("곧바로", "at once")),
    "diverter_jam": Effect("conveyor", (("분기기가 걸림: 분기기에 온 부품이 pe_diverter에 머묾; 부품 폭 3배만큼 벨트가 움직이면 "
                                        "PLC가 걸림(fault_code 2)을 래치하고 멈춤"),
                                        ("the diverter sticks: the next part stays on pe_diverter; after three part widths "
                                        "of belt travel the PLC latches a jam (fault_code 2) and stops")),
                           ("부품이 분기기에 닿을 때만 (벨트가 돌고 부품이 공급될 때)",
                            "only when a part reaches the diverter (belt running, parts fed)")),
    "motor_overload": Effect("conveyor", ("모터 전류가 5 A 늘어남; 1초 넘게 한계를 넘으면 과부하 계전기가 떨어져 래치(fault_code 1)",
                                          ("the motor draws 5 A more; above the trip current for 1 s the overload relay "
                                          "trips and latches (fault_code 1)")),
                             ("모터가 돌 때만", "only while the motor runs")),
    "estop": Effect("conveyor", ("비상정지가 눌림: estop_ok 0, 모터 정지, 시작 무시 (fault_code 3)",
                                 "the E-stop is pressed: estop_ok 0, the motor stops, starts are ignored (fault_code 3)"),
                    ("곧바로", "at once")),
    "heater_failure": Effect("process", ("히터가 열을 내지 못함: 온도가 오르지 않음",
                                         "the heater gives no heat: the temperature does not rise"),
                             ("가열을 요구할 때만 (배치 또는 수동 출력)", "only when heat is asked for (a batch or manual output)")),
    "thermocouple_open": Effect("process", ("열전대 단선: 온도가 숫자 대신 `Bad` (BadSensorFailure)",
                                            "the thermocouple is open: the temperature is Bad (BadSensorFailure), not a number"),
                                ("곧바로", "at once")),
    "dim_light": Effect("camera", ("조명이 `factor`배로 어두워짐", "the light dims to `factor`"),
                        ("검사하는 영상마다: 색과 결함을 잘못 읽을 수 있음", "on each inspected frame: colours and defects may be misread")),
    "blur": Effect("camera", ("영상이 `sigma`만큼 흐려짐", "blurs the picture by `sigma`"),
                   ("검사하는 영상마다: 가장자리와 긁힘이 사라짐", "on each inspected frame: edges and scratches fade")),
    "camera_offline": Effect("camera", ("카메라 스트림이 멈춤", "the camera stream stops"),
                             ("곧바로: 엣지가 카메라를 잃고, PLC는 판정 없는 부품을 모두 불량으로 보냄",
                              "at once: the edge loses the camera and the PLC rejects every part without a verdict")),
    "bearing_wear": Effect("vibration", ("베어링 마모: 진동이 3배, 모터 표면 온도 상승",
                                         "worn bearing: three times the vibration, a warmer motor surface"),
                           ("벨트가 돌 때만", "only while the belt runs")),
}

NAMES: dict[str, str] = {  # kind -> its Korean name (an English screen shows the kind itself)
    "offline": "통신 끊김", "latency": "응답 지연", "drop": "응답 누락", "crc_noise": "CRC 잡음",
    "serial_mismatch": "통신 설정 불일치", "stuck": "센서 고착", "drift": "센서 값 표류", "noise": "센서 잡음",
    "diverter_jam": "분기기 걸림", "motor_overload": "모터 과부하", "estop": "비상정지", "heater_failure": "히터 고장",
    "thermocouple_open": "열전대 단선", "dim_light": "조명 어두움", "blur": "영상 흐림", "camera_offline": "카메라 끊김",
    "bearing_wear": "베어링 마모",
}


def fault_catalogue() -> list[dict]:
    """Every fault kind as data (JSON-ready): its targets, params with default and range, effect and when it shows.

    Sim control serves it (`FaultKinds`); lessons read it, never this module."""
    def param(spec: Param) -> dict:
        found = {"default": spec.default}
        if spec.choices:
            found["choices"] = list(spec.choices)
        else:
            found.update({k: v for k, v in (("min", spec.lo), ("max", spec.hi)) if math.isfinite(v)})
        return found

    return [{"kind": kind, "name": {"ko": NAMES[kind], "en": kind}, "example": EFFECTS[kind].example,
             "targets": [{"targets": rule.targets, "params": {n: param(p) for n, p in rule.params.items()}}
                         for rule in rules],
             "does": dict(zip(("ko", "en"), EFFECTS[kind].does)), "shows": dict(zip(("ko", "en"), EFFECTS[kind].shows))}
            for kind, rules in RULES.items()]


class FaultBoard:
    """The active faults: validates requests, stores them, and distorts sensor readings."""

    def __init__(self, sensor_points: Mapping[str, type], rng: random.Random) -> None:
        self._types = dict(sensor_points)
        self._rng = rng
        self._groups = {
            LINK: ("feeder", "conveyor", "process", "fieldbus", *FIELD_DEVICES),
            BUS: ("fieldbus", *FIELD_DEVICES),
            BUS_DEVICE: FIELD_DEVICES,
            SENSOR: tuple(sensor_points),
            ANALOG: tuple(p for p, t in sensor_points.items() if t is not bool),
        }
        self._faults: dict[int, Fault] = {}
        self._active: tuple[Fault, ...] | None = None  # `active`, made when asked after a change
        self._since: dict[int, float] = {}
        self._next_id = 1

    @property
    def active(self) -> tuple[Fault, ...]:
        """The active faults: the same tuple until one is injected or cleared (`is` tells a change)."""
        if self._active is None:
            self._active = tuple(self._faults.values())
        return self._active

    def __bool__(self) -> bool:
        """True while any fault is active."""
        return bool(self._faults)

    def find(self, target: str, kind: str) -> Fault | None:
        if not self._faults:  # the usual case, asked several times per plant tick and per request served
            return None
        return next((f for f in self._faults.values() if f.target == target and f.kind == kind), None)

    def inject(
        self, target: str, kind: str, params: Mapping[str, object] | None, now: float, sample: Callable[[str], Value]
    ) -> Fault:
        """Validate and store a fault, replacing one of the same kind on the same target."""
        rule = self._rule(target, kind)
        given = dict(params or {})
        unknown = sorted(set(given) - set(rule.params))
        if unknown:
            known = ", ".join(rule.params) or "none"
            raise FaultError(f"fault {kind!r} has no param {unknown[0]!r}; its params: {known}")
        filled = {
            name: spec.default if given.get(name) is None else spec.check(kind, name, given[name])
            for name, spec in rule.params.items()
        }
        if kind == "stuck" and filled["value"] is None:
            filled["value"] = sample(target)
        if kind == "serial_mismatch" and (filled["baudrate"], filled["parity"]) == BUS_SETTINGS:
            raise FaultError("fault 'serial_mismatch' needs settings other than the bus's own 19200 baud, parity E")
        old = self.find(target, kind)
        if old:
            self.clear(old.id)
        fault = Fault(self._next_id, target, kind, MappingProxyType(filled))
        self._next_id += 1
        self._faults[fault.id] = fault
        self._since[fault.id] = now
        self._active = None
        return fault

    def clear(self, fault_id: int) -> None:
        if fault_id not in self._faults:
            ids = ", ".join(map(str, self._faults)) or "none"
            raise FaultError(f"no active fault with id {fault_id!r}; active ids: {ids}")
        del self._faults[fault_id]
        del self._since[fault_id]
        self._active = None

    def clear_all(self) -> None:
        self._faults.clear()
        self._since.clear()
        self._active = None

    def distort(self, target: str, value: Value, now: float) -> Value:
        """What a sensor point reads under its stuck, drift and noise faults."""
        if not self._faults:
            return value
        faults = [f for f in self._faults.values() if f.target == target]
        if not faults:
            return value
        for f in faults:
            if f.kind == "drift":
                value += f.params["per_s"] * (now - self._since[f.id])
            elif f.kind == "noise":
                value += self._rng.gauss(0.0, f.params["sigma"])
        stuck = next((f for f in faults if f.kind == "stuck"), None)
        if stuck:
            value = stuck.params["value"]
        kind = self._types[target]
        return kind(round(value)) if kind is not float else float(value)

    def _rule(self, target: str, kind: str) -> Rule:
        if kind not in RULES:
            raise FaultError(f"unknown fault kind {kind!r}; known kinds: {', '.join(FAULT_KINDS)}")
        for rule in RULES[kind]:
            if target in self._groups.get(rule.targets, (rule.targets,)):
                return rule
        valid = " or ".join(self._describe(rule.targets) for rule in RULES[kind])
        raise FaultError(f"fault {kind!r} cannot target {target!r}; valid targets: {valid}")

    def _describe(self, group: str) -> str:
        if group not in self._groups:
            return repr(group)
        return f"{group} ({', '.join(self._groups[group])})"
