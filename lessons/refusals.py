"""Why the edge would refuse a lesson's write (`edge.agent.checked_value`), as the validator says it in Korean and
English: the edge gives its reasons in English; each of their fixed forms is said in Korean here (a form it does not
know stays as the edge said it, and tests/unit/test_korean_everywhere.py fails)."""

from __future__ import annotations

import re

from smarthall.devices.profiles import Text

REFUSED = Text(ko="엣지가 이 쓰기를 거부합니다: {reason}", en="the edge would refuse this write: {reason}")
FORMS_KO = (  # the edge's reason (a full match) -> its Korean form
    (r"(?P<tag>\S+) is computed by the edge \(a derived tag\), not written to a device",
     "{tag}는 엣지가 계산하는 파생 태그입니다: 장치에 쓰지 않습니다"),
    (r"(?P<tag>\S+) is read-only \((?P<kind>[^)]*)\)", "{tag}는 읽기 전용입니다 ({kind})"),
    (r"(?P<tag>\S+) is a bool: expected 0/1 or true/false, got (?P<got>.*)",
     "{tag}는 bool입니다: 0/1이나 true/false여야 합니다, 받은 값 {got}"),
    (r"(?P<tag>\S+) is a (?P<type>\S+): expected a number, got (?P<got>.*)",
     "{tag}는 {type}입니다: 숫자여야 합니다, 받은 값 {got}"),
    (r"(?P<tag>\S+) is a (?P<type>\S+): expected a whole number, got (?P<got>.*)",
     "{tag}는 {type}입니다: 정수여야 합니다, 받은 값 {got}"),
    (r"(?P<tag>\S+): (?P<got>.*) is outside (?P<span>.*)", "{tag}: {got}은(는) {span} 범위 밖입니다"),
    (r"(?P<tag>\S+): expected a string, got (?P<got>.*)", "{tag}: 문자열이어야 합니다, 받은 값 {got}"),
)


def refused(reason: str) -> Text:
    """The validator's problem for a write the edge would refuse for `reason`."""
    ko = next((form.format(**found.groupdict()) for pattern, form in FORMS_KO
               if (found := re.fullmatch(pattern, reason))), reason)
    return Text(ko=REFUSED.ko.format(reason=ko), en=REFUSED.en.format(reason=reason))
