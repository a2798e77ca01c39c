"""The vision station's tags: what the reject loop publishes, as points of the edge's own ``vision`` device.

They are derived tags: the edge computes them (no PLC holds them), so they are
read-only, have no address and are not scanned; their kind is ``node``, a
variable of an object, like an OPC UA one.
"""

from __future__ import annotations

from smarthall.devices.profiles import DataType, Device, Kind, Point, Text
from smarthall.devices.quality import Quality

from ..tags import TagValue


def _point(name: str, type_: DataType, ko: str, en: str, unit: str = "") -> Point:
    return Point(name=name, kind=Kind.NODE, type=type_, text=Text(ko, en), unit=unit)


VISION = Device("vision", Text("비전 검사", "vision inspection"), points=(
    _point("camera_ok", DataType.BOOL, "카메라 정상 (끊기거나 멈추면 false)", "camera delivering frames (false when lost or stalled)"),
    _point("last_part", DataType.UINT16, "마지막 검사 부품 번호", "sequence number of the last part at the camera"),
    _point("last_verdict", DataType.STRING, "마지막 판정 (pass, fail, none: 판정 없음)", "last verdict (pass, fail, none: no verdict)"),
    _point("last_defects", DataType.STRING, "마지막 부품에서 찾은 결함", "defects found on the last part"),
    _point("latency_ms", DataType.FLOAT64, "부품 감지부터 판정 쓰기까지 시간", "time from part seen to verdict written", "ms"),
    _point("diameter_mm", DataType.FLOAT64, "마지막 부품의 측정 지름", "measured diameter of the last part", "mm"),
    _point("inspected", DataType.UINT32, "판정을 쓴 부품 수", "parts given a verdict", "pcs"),
    _point("passed", DataType.UINT32, "합격 판정 수", "pass verdicts", "pcs"),
    _point("failed", DataType.UINT32, "불합격 판정 수", "fail verdicts", "pcs"),
    _point("no_frame", DataType.UINT32, "영상이 없어 판정하지 못한 부품 수 (PLC가 안전하게 불량 처리)",
           "parts with no frame in time, left to the PLC's fail-safe reject", "pcs"),
))


def vision_value(point: str, value, timestamp: float, reason: str = "", quality: Quality = Quality.GOOD) -> TagValue:
    """A TagValue of one of the vision tags (``vision.<point>``) with its unit."""
    return TagValue(f"vision.{point}", value, quality, timestamp, reason, VISION.point(point).unit)
