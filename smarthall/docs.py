"""Generated documentation: the station interface, from the profiles; the profile, line, lesson and classroom
formats, from their schemas (devices.profiles.schema, edge.schema, lessons.schema, lessons.classroom_schema)."""

from __future__ import annotations

from pathlib import Path

from smarthall.devices.profiles import load_profile, profile_names
from smarthall.devices.profiles.table import render

STATION_INTERFACE = Path(__file__).resolve().parent.parent / "docs" / "station-interface.md"
LESSON_FORMAT = STATION_INTERFACE.parent / "lesson-format.md"
PROFILE_FORMAT = STATION_INTERFACE.parent / "profile-format.md"
LINE_FORMAT = STATION_INTERFACE.parent / "line-format.md"
CLASSROOM_FORMAT = STATION_INTERFACE.parent / "classroom-format.md"


def profile_format_page() -> str:
    """docs/profile-format.md as it must read: the profile schema, an example, the OPC UA addressing rules."""
    from smarthall.devices.profiles.schema import reference

    return reference()


def line_format_page() -> str:
    """docs/line-format.md as it must read: the line-file schema with lines/hall.example.toml as the example."""
    from smarthall.edge.config import LINES_DIR
    from smarthall.edge.schema import reference

    return reference((LINES_DIR / "hall.example.toml").read_text(encoding="utf-8"))


def lesson_format_page() -> str:
    """docs/lesson-format.md as it must read: the lesson schema and the simulated line's fault kinds."""
    from smarthall.lesson_commands import simulated_faults
    from smarthall.lessons.schema import reference

    return reference(simulated_faults())


def classroom_format_page() -> str:
    """docs/classroom-format.md as it must read: the classroom-file schema and its example."""
    from smarthall.lessons.classroom_schema import reference

    return reference()


def station_interface_page() -> str:
    """docs/station-interface.md as it must read: every profile as Markdown tables, both languages."""
    head = ("# Station interface v1 / 스테이션 인터페이스 v1\n\n"
            "Generated from `devices/profiles/*.toml` by `python -m smarthall.docs`; do not edit by hand.\n"
            "`devices/profiles/*.toml`에서 생성된 문서입니다. 직접 고치지 마세요.\n\n"
            "Who may write a point or call a method (`level`): *operate*: a trainee of the station's team and up; "
            "*supervise*: an instructor and up; *configure*: an engineer only.\n"
            "쓰기·호출 권한 (`level`): *운전*(operate) 해당 스테이션 팀의 교육생 이상, "
            "*감독*(supervise) 강사 이상, *설정*(configure) 엔지니어만.\n\n")
    parts = [render(load_profile(name), lang, markdown=True) for lang in ("en", "ko") for name in profile_names()]
    return head + "\n".join(parts)


if __name__ == "__main__":
    for path, page in ((STATION_INTERFACE, station_interface_page()), (LESSON_FORMAT, lesson_format_page()),
                       (PROFILE_FORMAT, profile_format_page()), (LINE_FORMAT, line_format_page()),
                       (CLASSROOM_FORMAT, classroom_format_page())):
        path.write_text(page, encoding="utf-8")
        print(f"wrote {path}")
