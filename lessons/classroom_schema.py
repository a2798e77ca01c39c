"""The classroom-file format as data: every table and key with its type, default and meaning.

`lessons.classroom` takes its key names and defaults from here, and `reference()` writes
docs/classroom-format.md (`python -m smarthall.docs`; a test fails when the committed page is stale,
another that `EXAMPLE` loads).
"""

from __future__ import annotations

from smarthall.devices.reference import Entry, Key, Said, page_head, sentence, table

SIMULATED = "simulated"
STUCK_MIN = 5.0
STUCK_RANGE = (0.5, 600)

CLASSROOM = Entry("[classroom]", "the lesson every team works through, and on which line", (
    Key("lesson", "lesson id", "the lesson every team works through (an id of the catalogues `lab` opens)"),
    Key("stuck_min", f"{STUCK_RANGE[0]:g}..{STUCK_RANGE[1]:g}", "no progress (a step opened or passed, a right"
        " answer) for this long: the team is shown as stuck", STUCK_MIN, "min"),
    Key("line", "`simulated` or path", "`simulated`: one simulated line per team on free ports, each on the"
        " classroom's own broker for `smarthall centre`; or a line file all teams share (relative to this file),"
        " each team at its `station`", SIMULATED),
))

TEAM = Entry("[[teams]]", "one team: its trainees and, on a shared line, the station it operates", (
    Key("name", "text", "the team's name, unique (the users file's team; on simulated lines also the Sparkplug"
        " edge node id)"),
    Key("trainees", "list of user names", "the users file's trainees of this team, each in one team only", []),
    Key("station", "connection name", "on a shared line: the station (a connection of the line file) the team"
        " operates", Said("required on a shared line; none on simulated lines")),
))

ENTRIES = (CLASSROOM, TEAM)

EXAMPLE = """\
[classroom]
lesson = "modbus-tcp"        # the lesson every team works through
stuck_min = 5                # minutes without progress: shown as stuck
line = "simulated"           # one simulated line per team; or a line file all teams share

[[teams]]
name = "team1"
trainees = ["kim", "lee"]

[[teams]]
name = "team2"
trainees = ["park", "choi"]
"""


def reference() -> str:
    """docs/classroom-format.md as it must read."""
    out = [*page_head("Classroom format / 교실 파일 형식", "lessons/classroom_schema.py"),
           ("A classroom file (TOML) names the lesson, the teams and their trainees, and the line they work on."
            " `smarthall lab --classroom FILE` starts what it describes and opens the console on the classroom view."
            " Trainees are checked against the line's users file (their team), stations against its connections;"
            " every mistake is one line naming the file, the key and what was expected."),
           ("교실 파일(TOML)은 수업, 팀과 교육생, 팀이 쓰는 라인을 정합니다. `smarthall lab --classroom 파일`이 이를"
            " 시작하고 콘솔을 교실 화면으로 엽니다. 잘못된 곳은 파일, 키, 기대한 값을 한 줄로 알려 줍니다."), "",
           "## Example / 예", "", "```toml", EXAMPLE.rstrip(), "```", ""]
    for entry in ENTRIES:
        out += [f"## `{entry.name}`", "", sentence(entry.doc), "", *table(entry)]
    return "\n".join(out)
