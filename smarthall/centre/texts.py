"""What the control centre shows, in Korean and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "title": {"ko": "Smart Hall 통합관제", "en": "Smart Hall control centre"},
    "status": {"ko": "브로커 {broker} · 라인 {online}/{lines} 가동 · 활성 알람 {alarms}",
               "en": "broker {broker} · {online} of {lines} lines online · {alarms} active alarms"},
    "ca_needs_tls": {"ko": "--ca-file: CA 파일은 TLS에만 쓰입니다: --broker mqtts://... 가 필요합니다 ({broker})",
                     "en": "--ca-file: a CA file needs TLS: expected --broker mqtts://... (got {broker})"},
    "ca_missing": {"ko": "--ca-file: {path} 파일이 없습니다", "en": "--ca-file: no such file {path}"},
    "password_unreadable": {"ko": "--password-file: {path}을(를) 읽을 수 없습니다: {error}",
                            "en": "--password-file: cannot read {path}: {error}"},
    "broker_lost": {"ko": "브로커 연결 끊김: {error} (다시 연결 중)", "en": "broker connection lost: {error} (reconnecting)"},
    "col_line": {"ko": "라인", "en": "line"},
    "col_state": {"ko": "상태", "en": "state"},
    "col_since": {"ko": "경과", "en": "for"},
    "col_good": {"ko": "양품", "en": "good"},
    "col_rejected": {"ko": "불량", "en": "rejected"},
    "col_kwh": {"ko": "kWh", "en": "kWh"},
    "col_kwh_part": {"ko": "kWh/양품", "en": "kWh/good"},
    "col_oee": {"ko": "OEE", "en": "OEE"},
    "col_alarms": {"ko": "알람", "en": "alarms"},
    "col_priority": {"ko": "우선순위", "en": "priority"},
    "col_alarm": {"ko": "알람", "en": "alarm"},
    "col_text": {"ko": "내용", "en": "text"},
    "col_tag": {"ko": "태그", "en": "tag"},
    "col_value": {"ko": "값", "en": "value"},
    "col_unit": {"ko": "단위", "en": "unit"},
    "col_quality": {"ko": "품질", "en": "quality"},
    "online": {"ko": "가동", "en": "online"},
    "offline": {"ko": "정지", "en": "offline"},
    "no_alarms": {"ko": "활성 알람 없음", "en": "no active alarms"},
    "ack_sent": {"ko": "{line}: 알람 {alarm} 확인 요청을 보냈습니다", "en": "{line}: acknowledge of alarm {alarm} sent"},
    "ack_offline": {"ko": "{line}: 브로커에 연결되지 않아 확인을 보내지 못했습니다",
                    "en": "{line}: not connected to the broker; acknowledge not sent"},
    "line_title": {"ko": "{line} · {state} · OEE {oee} (가용성 {a} × 성능 {p} × 품질 {q})",
                   "en": "{line} · {state} · OEE {oee} (availability {a} × performance {p} × quality {q})"},
    "trend": {"ko": "추세: {tag} ({low} ~ {high} {unit}, 최근 {n}개)",
              "en": "trend: {tag} ({low} to {high} {unit}, last {n})"},
    "no_trend": {"ko": "추세: 숫자 태그를 고르세요", "en": "trend: pick a numeric tag"},
    "good": {"ko": "양호", "en": "good"},
    "bad": {"ko": "불량", "en": "bad"},
    "stale": {"ko": "오래됨", "en": "stale"},
    "key_lang": {"ko": "한/EN", "en": "한/EN"},
    "key_ack": {"ko": "알람 확인", "en": "ack alarm"},
    "key_open": {"ko": "라인 보기", "en": "open line"},
    "key_back": {"ko": "뒤로", "en": "back"},
    "key_quit": {"ko": "종료", "en": "quit"},
    "normal": {"ko": "정상", "en": "normal"},
    "active-unacknowledged": {"ko": "발생·미확인", "en": "active, unacknowledged"},
    "active-acknowledged": {"ko": "발생·확인", "en": "active, acknowledged"},
    "returned-unacknowledged": {"ko": "복귀·미확인", "en": "returned, unacknowledged"},
    "shelved": {"ko": "보류", "en": "shelved"},
    "out-of-service": {"ko": "사용 중지", "en": "out of service"},
    "urgent": {"ko": "긴급", "en": "urgent"},
    "high": {"ko": "높음", "en": "high"},
    "medium": {"ko": "보통", "en": "medium"},
    "low": {"ko": "낮음", "en": "low"},
}


def say(key: str, lang: str, **values: object) -> str:
    """The text for key in lang, with values filled in; an unknown key (a state or priority from a newer
    line) is shown as it came."""
    texts = TEXTS.get(key)
    return key if texts is None else texts[lang].format(**values)
