"""What the `smarthall` command prints, in Korean and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "prog": {
        "ko": "Smart Hall: 스마트공장 교육 라인용 엣지 소프트웨어",
        "en": "Smart Hall: edge software for smart-factory teaching lines",
    },
    "sim_started": {
        "ko": "시뮬레이션 라인 실행 중 (시드 {seed}, 시간 배율 {scale:g}):",
        "en": "Simulated line running (seed {seed}, time scale {scale:g}):",
    },
    "sim_stop_hint": {
        "ko": "Ctrl-C를 누르면 종료합니다.",
        "en": "Press Ctrl-C to stop.",
    },
    "sim_stopped": {
        "ko": "시뮬레이션 라인을 종료했습니다.",
        "en": "Simulated line stopped.",
    },
}


def say(key: str, lang: str, **values: object) -> str:
    """The text for key in lang, with values filled in."""
    return TEXTS[key][lang].format(**values)
