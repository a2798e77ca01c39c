"""Why a value is BAD, as a Korean screen says it: the drivers give their reasons in English (`devices.errors`, the
camera, the OPC UA value decoder); the fixed ones and the Modbus exception names are said in Korean here. OPC UA
status names (`BadSensorFailure`) stay as they are, and so does a protocol violation's detail (numbers and codes
for whoever debugs the device)."""

from __future__ import annotations

import re

REASONS_KO = {
    "driver error": "드라이버 오류", "bad settings": "잘못된 설정", "not connected": "연결 안 됨", "timeout": "시간 초과",
    "protocol violation": "프로토콜 위반", "crc error": "CRC 오류", "empty reply": "빈 응답", "no value": "값 없음",
    "not a number": "숫자 아님 (NaN/무한대)", "stalled": "영상 멈춤", "not started": "시작 전", "connecting": "연결 중", "closed": "닫힘",
}
EXCEPTIONS_KO = {
    "illegal function": "지원하지 않는 기능 코드", "illegal data address": "없는 데이터 주소",
    "illegal data value": "허용되지 않는 데이터 값", "server device failure": "장치 고장", "acknowledge": "처리 중 (수신 확인)",
    "server device busy": "장치 바쁨", "memory parity error": "메모리 패리티 오류",
    "gateway path unavailable": "게이트웨이 경로 없음", "gateway target device failed to respond": "게이트웨이 너머 장치 무응답",
    "unknown": "알 수 없음",
}
EXCEPTION = re.compile(r"exception ([0-9A-F]{2}) (.+)")


def said_reason(reason: str, lang: str) -> str:
    """`reason` in `lang`: a known reason or Modbus exception in Korean (a detail after it, as given), anything else as
    the driver gave it."""
    if lang != "ko":
        return reason
    head, colon, detail = reason.partition(": ")  # a reason may carry a detail after it
    if head in REASONS_KO:
        head = REASONS_KO[head]
    elif (found := EXCEPTION.fullmatch(head)) and found.group(2) in EXCEPTIONS_KO:
        head = f"예외 응답 {found.group(1)} {EXCEPTIONS_KO[found.group(2)]}"
    return head + colon + detail

