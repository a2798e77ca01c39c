"""What the `smarthall` command prints, in Korean and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "internal_error": {
        "ko": "내부 오류: {error} (자세한 내용은 {log}, --debug로 화면에 표시)",
        "en": "internal error: {error} (details in {log}; --debug shows them here)",
    },
    "log_epilog": {
        "ko": "라이브러리 로그와 오류 내용은 {log}에 기록됩니다.",
        "en": "Library logs and error details go to {log}.",
    },
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
    "profile_search_path": {
        "ko": "프로필을 찾는 순서 (먼저 찾은 파일을 씁니다):",
        "en": "Where profiles are looked for (the first file found is used):",
    },
    "profile_folder_missing": {"ko": " (없음)", "en": " (absent)"},
    "profile_hides": {"ko": "가려진 파일:", "en": "hides"},
    "commission_written": {"ko": "보고서를 {path}에 저장했습니다.", "en": "Report written to {path}."},
    "twins_started": {
        "ko": "시뮬레이션 장치 {count}대 실행 중 (시드 {seed}):",
        "en": "{count} simulated device(s) running (seed {seed}):",
    },
    "twins_connections": {
        "ko": "\n라인 파일에 넣을 연결 설정:\n",
        "en": "\nTheir connections, for a line file:\n",
    },
    "twins_stopped": {
        "ko": "시뮬레이션 장치를 종료했습니다.",
        "en": "Simulated devices stopped.",
    },
    "sim_stopped": {
        "ko": "시뮬레이션 라인을 종료했습니다.",
        "en": "Simulated line stopped.",
    },
    "sim_in_process": {
        "ko": "응답하는 라인이 없어 이 프로세스에서 시뮬레이션 라인을 시작합니다.",
        "en": "Nothing answers on the line: starting the simulated line in this process.",
    },
    "edge_running": {
        "ko": "엣지 에이전트 실행 중: 연결 {connections}개, 태그 {tags}개, 이력 파일 {db}",
        "en": "Edge agent running: {tags} tags on {connections} connections, history in {db}",
    },
    "sparkplug_running": {
        "ko": "Sparkplug B 게시 중: {broker}, 그룹 {group}, 엣지 노드 {node} (브로커가 없을 때는 {store}에 보관)",
        "en": "Publishing Sparkplug B to {broker} as group {group}, edge node {node} (kept in {store} while it is away)",
    },
    "vision_running": {
        "ko": "비전 검사 실행 중: 카메라 {source}, 레시피 {recipe} ({path}), 이미지 {archive}",
        "en": "Vision inspection running: camera {source}, recipe {recipe} ({path}), images in {archive}",
    },
    "derived": {
        "ko": "계산 태그",
        "en": "derived",
    },
    "northbound_running": {
        "ko": "OPC UA 서버: {url}",
        "en": "OPC UA server: {url}",
    },
    "edge_stopped": {
        "ko": "엣지 에이전트를 종료했습니다.",
        "en": "Edge agent stopped.",
    },
    "written": {
        "ko": "{tag} ← {value} 쓰기 완료",
        "en": "wrote {value} to {tag}",
    },
    "called": {
        "ko": "{method}({args}) 호출 완료, 결과: {result}",
        "en": "called {method}({args}), result: {result}",
    },
    "no_agent": {
        "ko": "이 라인의 엣지 에이전트가 실행 중이 아닙니다 ({db}): 먼저 `smarthall edge run`을 실행하세요",
        "en": "no edge agent is running for this line ({db}): start `smarthall edge run` first",
    },
    "no_history": {
        "ko": "이 라인의 이력이 아직 없습니다 ({db}): `smarthall edge run`으로 에이전트를 실행하세요",
        "en": "no history for this line yet ({db}): run the agent with `smarthall edge run`",
    },
    "alarm_done": {
        "ko": "알람 {alarm}: {action} 완료",
        "en": "alarm {alarm}: {action} done",
    },
    "password_prompt": {
        "ko": "새 비밀번호: ",
        "en": "New password: ",
    },
    "password_again": {
        "ko": "새 비밀번호 다시 입력: ",
        "en": "New password again: ",
    },
    "passwords_differ": {
        "ko": "두 비밀번호가 다릅니다: 바꾸지 않았습니다",
        "en": "the two passwords differ: nothing changed",
    },
    "password_empty": {
        "ko": "빈 비밀번호는 쓸 수 없습니다",
        "en": "an empty password is not allowed",
    },
    "password_set": {
        "ko": "{name}의 비밀번호를 {path}에 저장했습니다 (scrypt 해시)",
        "en": "{name}'s password is set in {path} (scrypt hash)",
    },
    "service_running": {
        "ko": "클라이언트 API: {where} (`smarthall read`, `watch`, `write`...가 여기로 연결합니다; 교육생은 --user 이름)",
        "en": "Client API at {where} (`smarthall read`, `watch`, `write`... connect here; trainees sign in with --user NAME)",
    },
    "lab_northbound": {
        "ko": "SCADA/OPC UA 클라이언트: {url} (사용자 파일의 이름과 비밀번호로 로그인, 익명은 관찰자).",
        "en": "SCADA/OPC UA clients: {url} (sign in with a user name and password of the users file; anonymous"
              " is an observer).",
    },
    "lab_sign_in": {
        "ko": "교육생 터미널: `smarthall read 태그 --user 이름` (비밀번호는 사용자 파일에; 시뮬레이션 라인은 이름과 같음). "
              "이 라인의 API: {where}",
        "en": "Trainees' terminals: `smarthall read TAG --user NAME` (passwords in the users file; on the simulated "
              "line, the name). This line's API: {where}",
    },
    "classroom_line": {
        "ko": "{team}: 시뮬레이션 라인 ({ports}); 패널과 명령은 {where}",
        "en": "{team}: simulated line ({ports}); panels and commands at {where}",
    },
    "classroom_centre": {
        "ko": "관제센터(모든 팀의 라인): {command}",
        "en": "Control centre (every team's line): {command}",
    },
    "classroom_no_broker": {
        "ko": "mosquitto가 설치되어 있지 않아 관제센터 없이 시작합니다 (apt-get install mosquitto).",
        "en": "mosquitto is not installed: the classroom starts without the control centre (apt-get install mosquitto).",
    },
    "classroom_shared": {
        "ko": "모든 팀이 라인 {line}을(를) 함께 씁니다; 패널과 명령은 {where}",
        "en": "Every team works on line {line}; panels and commands at {where}",
    },
    "no_agent_in_process": {
        "ko": "이 라인을 맡은 엣지 에이전트가 없어 이 명령이 직접 라인에 연결합니다.",
        "en": "No edge agent serves this line: this command opens the line itself.",
    },
    "password_for": {
        "ko": "{user}의 비밀번호: ",
        "en": "Password for {user}: ",
    },
    "no_password": {
        "ko": "--user {user}: 비밀번호가 입력되지 않았습니다 (입력하거나 SMARTHALL_PASSWORD에 두세요)",
        "en": "--user {user}: no password given (type it, or set SMARTHALL_PASSWORD)",
    },
    "no_alarms": {
        "ko": "활성 알람이 없습니다.",
        "en": "No active alarms.",
    },
    "load_which": {
        "ko": "alarms load: 어느 파일인가요? [[alarms]] 표가 있는 라인 파일을 주세요, 예: line.toml",
        "en": "alarms load: which file? expected a line file with [[alarms]] tables, e.g. line.toml",
    },
    "alarms_unreadable": {
        "ko": "{path}: 읽을 수 없습니다 ({reason})",
        "en": "{path}: cannot read it ({reason})",
    },
    "alarms_loaded": {
        "ko": "알람 {n}개를 실행 중인 라인에 추가했습니다: {ids}",
        "en": "loaded {n} alarm(s) into the running line: {ids}",
    },
    "alarms_none_new": {
        "ko": "{path}의 알람은 모두 이미 동작 중입니다: 추가한 것이 없습니다",
        "en": "every alarm of {path} already runs: nothing loaded",
    },
}


def say(key: str, lang: str, **values: object) -> str:
    """The text for key in lang, with values filled in."""
    return TEXTS[key][lang].format(**values)
