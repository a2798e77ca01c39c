"""Every text the station panel shows, in Korean and English (`say(key, lang, **values)`)."""

from __future__ import annotations

from rich.cells import set_cell_size

TEXTS: dict[str, dict[str, str]] = {
    "panel_title": {"ko": "Smart Hall 스테이션 패널", "en": "Smart Hall station panel"},
    # signing in
    "login_title": {"ko": "스테이션 패널 로그인 ({where})", "en": "Sign in to the station panel ({where})"},
    "user_name": {"ko": "사용자 이름", "en": "User name"},
    "password": {"ko": "비밀번호", "en": "Password"},
    "sign_in": {"ko": "로그인", "en": "Sign in"},
    "signing_in": {"ko": "로그인 중…", "en": "Signing in…"},
    "agent_gone": {"ko": "엣지 에이전트({where})에 연결할 수 없습니다: {problem} ({s}초 후 다시 시도)",
                   "en": "the edge agent at {where} cannot be reached: {problem} (trying again in {s} s)"},
    "no_station": {"ko": "이 라인에 {station} 스테이션이 없습니다: {known} 중 하나를 고르세요",
                   "en": "this line has no station {station}: expected one of {known}"},
    "role_trainee": {"ko": "교육생", "en": "trainee"},
    "role_instructor": {"ko": "강사", "en": "instructor"},
    "role_engineer": {"ko": "엔지니어", "en": "engineer"},
    "role_observer": {"ko": "관찰자", "en": "observer"},
    # tabs and the agent's answers
    "tab_station": {"ko": "1 스테이션", "en": "1 Station"},
    "tab_trend": {"ko": "2 트렌드", "en": "2 Trend"},
    "tab_alarms": {"ko": "3 알람", "en": "3 Alarms"},
    "tab_lesson": {"ko": "4 수업", "en": "4 Lesson"},
    "done": {"ko": "{what}: 완료", "en": "{what}: done"},
    "refused": {"ko": "{what}: 거부됨 - {reason}", "en": "{what}: refused - {reason}"},
    "failed": {"ko": "{what}: 실패 - {reason}", "en": "{what}: failed - {reason}"},
    "not_connected": {"ko": "{what}: 에이전트에 연결되어 있지 않습니다", "en": "{what}: not connected to the agent"},
    "not_a_number": {"ko": "숫자가 아닙니다: {typed!r}", "en": "not a number: {typed!r}"},
    "not_whole": {"ko": "정수를 입력하세요: {typed!r}", "en": "expected a whole number, got {typed!r}"},
    "out_of_range": {"ko": "{value}은(는) 범위 {range} 밖입니다", "en": "{value} is outside {range}"},
    "ack_of": {"ko": "알람 {alarm} 확인", "en": "acknowledge {alarm}"},
    "answer_of": {"ko": "답 {value}", "en": "answer {value}"},
    "answer_right": {"ko": "{what}: 정답입니다", "en": "{what}: right"},
    "answer_wrong": {"ko": "{what}: 틀렸습니다. 다시 해 보세요", "en": "{what}: not right, try again"},
    # the picture
    "on": {"ko": "켜짐", "en": "on"},
    "off": {"ko": "꺼짐", "en": "off"},
    "stack_light": {"ko": "경광등", "en": "Stack light"},
    "motor": {"ko": "모터", "en": "Motor"},
    "running": {"ko": "운전 중", "en": "running"},
    "stopped": {"ko": "정지", "en": "stopped"},
    "auto": {"ko": "자동", "en": "auto"},
    "manual": {"ko": "수동", "en": "manual"},
    "estop_pressed": {"ko": " 비상정지가 눌렸습니다 ", "en": " EMERGENCY STOP PRESSED "},
    "fault_1": {"ko": "고장: 모터 과부하 (고장 리셋)", "en": "fault: motor overload (fault reset)"},
    "fault_2": {"ko": "고장: 부품 걸림 (고장 리셋)", "en": "fault: part jammed (fault reset)"},
    "fault_3": {"ko": "고장: 비상정지", "en": "fault: emergency stop"},
    "speed": {"ko": "속도", "en": "Speed"},
    "current": {"ko": "전류", "en": "current"},
    "magazine": {"ko": "매거진", "en": "Magazine"},
    "magazine_empty": {"ko": "매거진이 비었습니다", "en": "magazine empty"},
    "pusher": {"ko": "푸셔", "en": "Pusher"},
    "extended": {"ko": "전진", "en": "extended"},
    "retracted": {"ko": "후진", "en": "retracted"},
    "auto_feed": {"ko": "자동 공급", "en": "auto feed"},
    "last_part": {"ko": "마지막 부품", "en": "Last part"},
    "red": {"ko": "빨강", "en": "red"},
    "black": {"ko": "검정", "en": "black"},
    "silver": {"ko": "은색", "en": "silver"},
    "temperature": {"ko": "온도", "en": "Temperature"},
    "setpoint": {"ko": "설정", "en": "setpoint"},
    "batch": {"ko": "배치", "en": "Batch"},
    "batch_0": {"ko": "대기", "en": "idle"},
    "batch_1": {"ko": "가열", "en": "heating"},
    "batch_2": {"ko": "유지", "en": "soaking"},
    "batch_3": {"ko": "냉각", "en": "cooling"},
    "batch_4": {"ko": "완료", "en": "done"},
    "batch_5": {"ko": "중단", "en": "aborted"},
    "heater": {"ko": "히터", "en": "heater"},
    "verdict_pass": {"ko": "합격", "en": "PASS"},
    "verdict_fail": {"ko": "불합격", "en": "FAIL"},
    "verdict_none": {"ko": "판정 없음", "en": "NO VERDICT"},
    "part": {"ko": "부품", "en": "part"},
    "defects": {"ko": "결함", "en": "Defects"},
    "camera": {"ko": "카메라", "en": "Camera"},
    "camera_ok": {"ko": "정상", "en": "ok"},
    "camera_lost": {"ko": "끊김", "en": "lost"},
    "latency": {"ko": "지연", "en": "latency"},
    # alarms
    "col_priority": {"ko": "우선순위", "en": "priority"},
    "col_state": {"ko": "상태", "en": "state"},
    "col_since": {"ko": "경과", "en": "for"},
    "col_alarm": {"ko": "알람", "en": "alarm"},
    "priority_low": {"ko": "낮음", "en": "low"},
    "priority_medium": {"ko": "보통", "en": "medium"},
    "priority_high": {"ko": "높음", "en": "high"},
    "priority_urgent": {"ko": "긴급", "en": "urgent"},
    "state_active-unacknowledged": {"ko": "발생·미확인", "en": "active, unacked"},
    "state_active-acknowledged": {"ko": "발생·확인", "en": "active, acked"},
    "state_returned-unacknowledged": {"ko": "복귀·미확인", "en": "returned, unacked"},
    "ack": {"ko": "확인", "en": "Ack"},
    "alarms_active": {"ko": "알람 {n}건", "en": "{n} alarms"},
    # the lesson step
    "no_lesson": {"ko": "이 라인에서 진행 중인 수업이 없습니다", "en": "no lesson is running on this line"},
    "step_of": {"ko": "단계 {n}/{total}", "en": "step {n}/{total}"},
    "status_waiting": {"ko": "⏳ 진행 중", "en": "⏳ waiting"},
    "status_passed": {"ko": "✔ 통과", "en": "✔ passed"},
    "status_failed": {"ko": "✘ 실패", "en": "✘ failed"},
    "status_timed_out": {"ko": "⌛ 시간 초과", "en": "⌛ timed out"},
    "attempts": {"ko": "틀린 답 {wrong}번 · 힌트 {hints}개", "en": "{wrong} wrong answers · {hints} hints"},
    "hint": {"ko": "힌트", "en": "Hint"},
    "answer": {"ko": "답하기", "en": "Answer"},
}


def say(key: str, lang: str, **values: object) -> str:
    """The text for key in lang, with values filled in."""
    return TEXTS[key][lang].format(**values)


def pad(text: str, cells: int) -> str:
    """text cut or filled to exactly cells terminal cells (a Hangul syllable takes two)."""
    return set_cell_size(text, cells)


def age(seconds: float) -> str:
    """A duration as the alarm list shows it: 42s, 3m05s, 1h02m."""
    seconds = max(0, int(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
