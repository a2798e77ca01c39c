"""`config`: the trainee's copy of a line file (in the workspace) loads and says every `expect`."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from smarthall.devices.profiles import Text
from smarthall.devices.reference import Entry, Key
from smarthall.edge.config import LineConfigError, load_line

from ..base import Check, compare, say
from ..loaded import FileCheck
from ..registry import CheckType, register

AS_EXPECTED = Text(ko="기대한 대로", en="as expected")
NO_ALARM = Text(ko="알람 {alarm!r} 없음", en="no alarm {alarm!r}")
ALARM_KEY = Text(ko="알람 {alarm!r}: {key}이(가) {seen!r}, 기대 {wanted!r}", en="alarm {alarm!r}: {key} is {seen!r}, expected {wanted!r}")
NO_TAG = Text(ko="태그 {tag!r} 없음", en="no tag {tag!r}")
GROUP = Text(ko="{tag}의 스캔 그룹이 {seen!r}, 기대 {wanted!r}", en="{tag} is scanned in group {seen!r}, expected {wanted!r}")
DEADBAND = Text(ko="{tag}의 데드밴드가 {seen:g}, 기대 {wanted:g}", en="{tag} has deadband {seen:g}, expected {wanted:g}")
NO_GROUP = Text(ko="스캔 그룹 {group!r} 없음", en="no scan group {group!r}")
RATE = Text(ko="스캔 그룹 {group!r}의 주기가 {seen:g} ms, 기대 {wanted:g}", en="scan group {group!r} runs every {seen:g} ms, expected {wanted:g}")


@dataclass(frozen=True)
class ConfigExpect:
    """One thing the edited line configuration must say; unset fields are not checked."""

    tag: str | None = None
    group: str | None = None
    rate_ms: float | None = None
    deadband: float | None = None
    alarm: str | None = None
    kind: str | None = None
    limit: float | None = None


@dataclass(frozen=True)
class ConfigCheck(Check):
    """The trainee's copy of a line configuration (`file`, in the workspace) loads and says all of `expect`."""

    file: str
    expect: tuple[ConfigExpect, ...]


class Config(FileCheck):
    def load(self, path: Path, ground_truth) -> object:
        try:
            return load_line(path)
        except LineConfigError as exc:
            return str(exc)

    def judge(self, config) -> tuple[bool, Text]:
        missing = config_missing(config, self.check.expect)
        if not missing:
            return True, AS_EXPECTED
        return False, Text(ko="; ".join(m.ko for m in missing), en="; ".join(m.en for m in missing))


def config_missing(config, expects: tuple[ConfigExpect, ...]) -> list[Text]:
    """What a LineConfig does not say of `expects` (empty: all of them hold)."""
    missing = []
    groups = {g.name: g for g in config.groups}
    alarms = {a.id: a for a in config.alarms}
    for e in expects:
        if e.alarm is not None:
            alarm = alarms.get(e.alarm)
            if alarm is None:
                missing.append(say(NO_ALARM, alarm=e.alarm))
                continue
            for key, seen in (("tag", alarm.tag), ("kind", alarm.kind), ("limit", alarm.limit)):
                wanted = getattr(e, key)
                if wanted is not None and not compare("==", seen if seen is not None else float("nan"), wanted):
                    missing.append(say(ALARM_KEY, alarm=e.alarm, key=key, seen=seen, wanted=wanted))
            continue
        if e.tag is not None:
            tags = [t for name, t in config.tags.items() if fnmatch.fnmatchcase(name, e.tag)]
            if not tags:
                missing.append(say(NO_TAG, tag=e.tag))
                continue
            for tag in tags:
                if e.group is not None and tag.group != e.group:
                    missing.append(say(GROUP, tag=tag.name, seen=tag.group, wanted=e.group))
                if e.deadband is not None and not compare("==", float(tag.deadband), float(e.deadband)):
                    missing.append(say(DEADBAND, tag=tag.name, seen=tag.deadband, wanted=e.deadband))
            continue
        group = groups.get(e.group)
        if group is None:
            missing.append(say(NO_GROUP, group=e.group))
        elif e.rate_ms is not None and not compare("==", group.rate_s * 1000, float(e.rate_ms)):
            missing.append(say(RATE, group=e.group, seen=group.rate_s * 1000, wanted=e.rate_ms))
    return missing


def parse(reader, data, where: str) -> ConfigCheck:
    expects = reader.get(data, "expect", where, list)
    if not expects:
        raise reader.fail(f"{where}.expect", Text(ko="설정 확인에는 기대(expect)가 하나 이상 있어야 합니다",
                                                  en="a config check needs at least one expectation"))
    return ConfigCheck(reader.get(data, "file", where, str),
                       tuple(_expect(reader, e, f"{where}.expect[{i}]") for i, e in enumerate(expects)))


def _expect(reader, data: object, where: str) -> ConfigExpect:
    data = reader.table(data, where)
    fields = ConfigExpect.__dataclass_fields__
    reader.known_keys(data, where, fields)
    values = {}
    for key in fields:
        if key in data:
            values[key] = reader.get(data, key, where, str if key in ("tag", "group", "alarm", "kind") else (int, float))
    if "tag" in values and reader.line is not None and not fnmatch.filter(reader.line.tags, values["tag"]):
        raise reader.fail(f"{where}.tag", Text(ko=f"{values['tag']!r}에 맞는 라인의 태그가 없습니다",
                                               en=f"{values['tag']!r} matches no tag of the line"))
    if not ({"tag", "group", "alarm"} & set(values)):
        raise reader.fail(where, Text(ko="무엇을 볼지 'tag', 'group', 'alarm' 중 하나 이상으로 정하세요",
                                      en="expected at least one of 'tag', 'group' or 'alarm' to say what to look at"))
    return ConfigExpect(**values)



register(CheckType(
    Entry("config", "the trainee's copy of a line file (`file`, in the workspace) loads and says every `expect`",
          (Key("type", '"config"', ""), Key("file", "workspace file name", "one of the step's `files`"),
           Key("expect", "list of tables", "each with `tag` (a glob), `group` or `alarm`, and any of `rate_ms`,"
               " `deadband`, `kind`, `limit`")), "the starting copy fails, the solution's edit passes"),
    ConfigCheck, parse, Config, ("config-task",), probe="file"))
