"""The commissioning report as text or Markdown, in Korean or English."""

from __future__ import annotations

from smarthall.devices.profiles.model import Text
from smarthall.devices.profiles.table import aligned_rows

from .probe import ConnectionResult, Finding

TEXTS: dict[str, dict[str, str]] = {
    "title": {"ko": "시운전 점검 보고서: {line}", "en": "Commissioning report: {line}"},
    "summary_ok": {"ko": "문제 없음: 연결 {connections}개, 포인트 {points}개 모두 정상", "en": "No problems: {connections}"
                   " connection(s), all {points} point(s) good"},
    "summary_bad": {"ko": "문제 {problems}건 (연결 {connections}개, 포인트 {points}개)",
                    "en": "{problems} problem(s) ({connections} connection(s), {points} point(s))"},
    "connection": {"ko": "연결 {name} ({protocol}, {where})", "en": "Connection {name} ({protocol}, {where})"},
    "reachable": {"ko": "응답함, 요청당 왕복 시간 중앙값 {rtt}", "en": "reachable, median round trip per request {rtt}"},
    "not_reachable": {"ko": "응답 없음", "en": "not reachable"},
    "unreachable": {"ko": "연결할 수 없음: {reason}", "en": "cannot connect: {reason}"},
    "no_answer": {"ko": "연결은 되지만 어떤 포인트도 응답하지 않음 ({reason})",
                  "en": "connected, but no point answered ({reason})"},
    "note": {"ko": "참고: {text}", "en": "note: {text}"},
    "opened": {"ko": "열림", "en": "opened"},
    "camera_got": {"ko": "받은 영상: {width}x{height}, 측정 {fps:.1f} fps, 형식 {fourcc}",
                   "en": "got {width}x{height} at a measured {fps:.1f} fps, format {fourcc}"},
    "camera_size": {"ko": "{asked}을(를) 요청했지만 {got}을(를) 받았습니다: 카메라가 그 크기를 (그 형식으로) 지원하지 않습니다"
                          " (v4l2-ctl --list-formats-ext)",
                    "en": "asked {asked}, got {got}: the camera does not offer that size (in that format)"
                          " (v4l2-ctl --list-formats-ext)"},
    "camera_fps": {"ko": "{asked:g} fps를 요청했지만 {got:.1f} fps입니다: 자동 노출이 어두운 곳에서 노출을 늘렸거나"
                         " (auto_exposure = false, exposure < 1/fps), USB 대역이 모자랍니다 (fourcc = \"MJPG\")",
                   "en": "asked {asked:g} fps, measured {got:.1f}: auto exposure lengthened the exposure in dim light"
                         " (auto_exposure = false, exposure below 1/fps) or USB bandwidth is short (fourcc = \"MJPG\")"},
    "camera_format": {"ko": "형식 {asked}을(를) 요청했지만 카메라는 {got}입니다 (v4l2-ctl --list-formats-ext)",
                      "en": "asked format {asked}, the camera took {got} (v4l2-ctl --list-formats-ext)"},
    "camera_cannot_open": {"ko": "카메라 {source}를 열 수 없습니다 (주소, 파일, 장치를 확인하세요)",
                           "en": "cannot open camera {source} (check the address, file or device)"},
    "camera_no_frames": {"ko": "카메라 {source}가 열렸지만 영상이 오지 않습니다: 다른 프로그램이 쓰고 있을 수 있습니다",
                         "en": "camera {source} opened but sends no frames: another program may be using it"},
    "bad": {"ko": "읽기 실패: {reason}", "en": "bad: {reason}"},
    "out_of_range": {"ko": "{value:g} {unit}은(는) 범위 {low:g}..{high:g} 밖입니다",
                     "en": "{value:g} {unit} is outside {low:g}..{high:g}"},
    "word_order": {"ko": "{order} 순서로 {value:.6g}: 값이 터무니없습니다. {other} 순서라면 {other_value:.6g}:"
                         " word_order = \"{other}\" 일 가능성이 큽니다",
                   "en": "{value:.6g} in word order {order} is implausible; in {other} it is {other_value:.6g}:"
                         " likely word_order = \"{other}\""},
    "similar_nodes": {"ko": "서버에 노드 {node}가 없습니다. 비슷한 이름: {similar}",
                      "en": "the server has no node {node}; similar names: {similar}"},
    "crc_errors": {"ko": "CRC 오류 응답 {count}건: 바이트는 오지만 깨집니다 (노이즈, 패리티·정지 비트, 종단 저항)",
                   "en": "{count} reply(s) failed their CRC: bytes arrive but are corrupted (noise, parity or stop"
                         " bits, termination)"},
    "bus_silent": {"ko": "버스 전체가 {baud} baud에서 침묵합니다 (응답 바이트 없음)",
                   "en": "the whole bus is silent at {baud} baud (not a byte back)"},
    "answers_at": {"ko": "{device}가 {baud} baud에서 응답합니다: baudrate = {baud}로 설정하세요",
                   "en": "{device} answers at {baud} baud: set baudrate = {baud}"},
    "unit_silent": {"ko": "{device} (국번 {unit})만 응답하지 않습니다: 국번, 배선, 그 장치의 통신 설정을 확인하세요",
                    "en": "{device} (unit {unit}) alone is silent: check its unit id, wiring and its own line"
                          " settings"},
    "col_tag": {"ko": "태그", "en": "tag"}, "col_quality": {"ko": "품질", "en": "quality"},
    "col_value": {"ko": "값", "en": "value"}, "col_rtt": {"ko": "왕복", "en": "round trip"},
    "col_notes": {"ko": "점검 결과", "en": "findings"},
}


def say(key: str, lang: str, **values) -> str:
    return TEXTS[key][lang].format(**values)


def render(line: str, results: list[ConnectionResult], lang: str = "en", markdown: bool = False) -> str:
    """The whole report; Markdown with a table per connection, else aligned text."""
    points = sum(len(r.points) for r in results)
    problems = sum(r.problems for r in results)
    summary = (say("summary_bad", lang, problems=problems, connections=len(results), points=points) if problems
               else say("summary_ok", lang, connections=len(results), points=points))
    out = [("# " if markdown else "") + say("title", lang, line=line), "", summary, ""]
    for result in results:
        out.append(("## " if markdown else "") + say("connection", lang, name=result.name, protocol=result.protocol,
                                                     where=result.where))
        rtt = result.rtt_median_s
        state = (say("not_reachable", lang) if not result.reachable else say("opened", lang) if rtt is None
                 else say("reachable", lang, rtt=_ms(rtt)))
        out += ["", ("- " if markdown else "  ") + state]
        out += [("- " if markdown else "  ") + _finding(f, lang) for f in result.findings]
        out.append("")
        if result.points:
            out += _table(result, lang, markdown) + [""]
    return "\n".join(out)


def _table(result: ConnectionResult, lang: str, markdown: bool) -> list[str]:
    headers = tuple(say(k, lang) for k in ("col_tag", "col_quality", "col_value", "col_rtt", "col_notes"))
    rows = [(p.tag, p.reading.quality.value, _value(p.reading.value, p.point.unit), _ms(p.rtt_s),
             "; ".join(_finding(f, lang) for f in p.findings)) for p in result.points]
    if markdown:
        return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers),
                *("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows)]
    return ["  " + line for line in aligned_rows([headers, *rows])]


def _finding(finding: Finding, lang: str) -> str:
    """Its text; a value said in both languages (`Text`, e.g. a driver's reason) in the report's."""
    return say(finding.key, lang, **{k: v(lang) if isinstance(v, Text) else v for k, v in finding.values.items()})


def _value(value: object, unit: str) -> str:
    if value is None:
        return "-"
    text = f"{value:.6g}" if isinstance(value, float) else str(value)
    return f"{text} {unit}".rstrip()


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"
