"""Reading and validating lessons like a compiler: every problem found, each with file, line and key path.

`load_catalogue(path, line, faults)` reads ``info.toml`` and every lesson it lists and
returns a `Catalogue`, or raises `LessonFormatError` with all the problems.
`line` (a `LineConfig`) is what tag and alarm names are checked against, `faults`
(a `FaultCatalogue`, from the composition root) what fault drills are.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path

from smarthall.devices.profiles import Level, Text
from smarthall.devices.toml_reader import TomlReader, non_finite
from smarthall.edge.config import LINES_DIR, LineConfig, LineConfigError
from smarthall.edge.errors import WriteRejected
from smarthall.edge.write_check import checked_value
from smarthall.lines import STATIONS

from .checks import CHECK_TYPES, DEFAULT_TIMEOUT_S, Check, check_type, inner_types
from .errors import LessonFormatError, Problem
from .faults import FaultCatalogue
from .locate import KeyLines, parse_where
from .model import DEFAULT_SETUP_WRITES, LEVELS, Action, Catalogue, Fault, Lesson, LessonSetup, Step
from .refusals import refused
from .schema import ACTIONS, CATALOGUE_KEYS, FAULT, FORMAT_VERSION, LESSON, SETUP, STEP, STEP_KINDS

CATALOGUE = Path(__file__).resolve().parent / "catalogue" / "info.toml"


def load_catalogue(path: str | Path = CATALOGUE, line: LineConfig | None = None,
                   faults: FaultCatalogue | None = None, known: set[str] | None = None) -> Catalogue:
    """The catalogue and its lessons, checked; raises LessonFormatError listing every problem.

    `known`: ids of lessons in catalogues before this one, which its lessons may name as prerequisites."""
    path = Path(path)
    problems: list[Problem] = []
    lessons = _Catalogue(path, line, problems, faults, known).read()
    if problems:
        raise LessonFormatError(problems)
    return Catalogue(tuple(lessons), path)


def load_lesson(folder: str | Path, line: LineConfig | None = None, known: set[str] | None = None,
                faults: FaultCatalogue | None = None) -> Lesson:
    """One lesson folder (or its lesson.toml); raises LessonFormatError listing every problem."""
    folder = Path(folder)
    if folder.is_file():
        folder = folder.parent
    problems: list[Problem] = []
    lesson = _LessonReader(folder / "lesson.toml", line, problems, known, faults).read()
    if problems or lesson is None:
        raise LessonFormatError(problems)
    return lesson


def validate(path: str | Path, line: LineConfig, faults: FaultCatalogue | None = None,
             known: set[str] | None = None) -> list[Problem]:
    """Every problem of a catalogue (info.toml or its folder) or of one lesson folder; `known`: the ids of the lessons
    of the catalogues opened before it (its lessons may name them as prerequisites, and not take their ids)."""
    path = Path(path)
    if path.is_dir() and (path / "info.toml").exists():
        path = path / "info.toml"
    folder = path.parent if path.name == "lesson.toml" else path
    if path.name != "info.toml" and (folder.parent / "info.toml").is_file():  # a lesson of a catalogue: as listed there
        inside = [p for p in validate(folder.parent, line, faults, known)
                  if Path(p.file).resolve().is_relative_to(folder.resolve())]
        if inside or folder.name in _listed(folder.parent / "info.toml"):
            return inside
    try:
        if path.name == "info.toml":
            load_catalogue(path, line, faults, known)
        else:
            load_lesson(path, line, known, faults)
    except LessonFormatError as exc:
        return exc.problems
    return []


class _Fail(Exception):
    """One problem; the reader records it and goes on with the next table."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class _Reader(TomlReader):
    """TomlReader whose complaints are Problems with the line of the key path."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        super().__init__(_shown(path), _Fail)
        self.path = path
        self.problems = problems
        self.keys = KeyLines("")

    def parse(self) -> dict | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.problems.append(Problem(self.source, 1, "file", Text(ko="파일이 없습니다", en="no such file")))
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(Problem(self.source, 1, "file", Text(ko=f"읽을 수 없습니다 (`{exc}`)", en=f"cannot read: {exc}")))
            return None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line = getattr(exc, "lineno", None) or _line_from(str(exc))
            detail = str(exc).split(" (at ")[0]  # the parser's own words, with the line above
            self.problems.append(Problem(self.source, line, "file", Text(ko=f"TOML 문법 오류 (`{detail}`)",
                                                                         en=f"not valid TOML: {detail}")))
            return None
        self.keys = KeyLines(text)
        if where := non_finite(data):
            key, value = where
            self.problems.append(Problem(self.source, self.keys.line(parse_where(key)), key,
                                         Text(ko=f"유한한 수여야 합니다, 받은 값 {value}",
                                              en=f"expected a finite number, got {value}")))
            return None
        if problem := _version_problem(data.get("format_version", FORMAT_VERSION)):
            self.problems.append(Problem(self.source, self.keys.line(("format_version",)), "format_version", problem))
            return None
        return data

    def fail(self, where: str, message: Text) -> _Fail:
        path = parse_where(where)
        if message.en.startswith(("key '", "unknown key '", "missing key '")):
            path += (message.en.split("'")[1],)
        return _Fail(Problem(self.source, self.keys.line(path), where, message))

    def collect(self, function, *args):
        """Run one reading function; a problem is recorded and None returned."""
        try:
            return function(*args)
        except _Fail as exc:
            self.problems.append(exc.problem)
            return None

    def texts(self, data: Mapping, key: str, where: str, required: bool = True) -> tuple[Text, ...]:
        items = self.get(data, key, where, list, ... if required else [])
        inner = _join(where, key)
        return tuple(self.text(self.table(t, f"{inner}[{i}]"), f"{inner}[{i}]") for i, t in enumerate(items))

    def bilingual(self, data: Mapping, key: str, where: str) -> Text:
        return self.text(self.table(self.get(data, key, where, Mapping), _join(where, key)), _join(where, key))


class _Catalogue(_Reader):
    def __init__(self, path: Path, line: LineConfig | None, problems: list[Problem],
                 faults: FaultCatalogue | None = None, known: set[str] | None = None) -> None:
        super().__init__(path, problems)
        self.line = line
        self.faults = faults
        self.before = set(known or ())

    def read(self) -> list[Lesson]:
        data = self.parse()
        if data is None:
            return []
        entries = self.collect(self.entries, data) or []
        lessons: list[Lesson] = []
        known = set(self.before)
        for where, entry_id, folder in entries:
            before = len(self.problems)
            lesson = _LessonReader(self.path.parent / folder / "lesson.toml", self.line, self.problems, known,
                                   self.faults).read()
            if lesson is not None and lesson.id != entry_id and len(self.problems) == before:
                self.problems.append(Problem(self.source, self.keys.line(parse_where(where) + ("id",)), where, Text(
                    ko=f"{entry_id!r}(으)로 적혀 있지만 {folder}/lesson.toml의 id는 {lesson.id!r}입니다",
                    en=f"lists {entry_id!r} but {folder}/lesson.toml has id {lesson.id!r}")))
            known.add(entry_id)
            if lesson is not None:
                lessons.append(lesson)
        return lessons

    def entries(self, data: Mapping) -> list[tuple[str, str, str]]:
        self.known_keys(data, "top level", CATALOGUE_KEYS)
        found = []
        for i, entry in enumerate(self.get(data, "lessons", "top level", list)):
            where = f"lessons[{i}]"
            entry = self.table(entry, where)
            self.known_keys(entry, where, ("id", "path"))
            found.append((where, self.get(entry, "id", where, str), self.get(entry, "path", where, str)))
        self.unique((e[1] for e in found), "lessons", Text(ko="수업 id", en="lesson id"))
        for where, entry_id, _ in found:
            if entry_id in self.before:
                raise self.fail(f"{where}.id", Text(ko=f"수업 id {entry_id!r}는 먼저 연 카탈로그가 이미 씁니다",
                                                    en=f"lesson id {entry_id!r} is already taken by a catalogue opened"
                                                       " before"))
        for where, _, folder in found:
            if not (self.path.parent / folder / "lesson.toml").is_file():
                raise self.fail(f"{where}.path", Text(ko=f"{folder!r}에 lesson.toml이 없습니다",
                                                      en=f"no lesson.toml in {folder!r}"))
        return found


class _LessonReader(_Reader):
    def __init__(self, path: Path, line: LineConfig | None, problems: list[Problem],
                 known: set[str] | None = None, faults: FaultCatalogue | None = None) -> None:
        super().__init__(path, problems)
        self.line = line
        self.faults = faults
        self.known = known
        self.step_files: dict[str, dict] = {}  # the steps read so far: id -> files (what `load-alarms` may name)
        self.loaded_alarms: set[str] = set()  # alarms a `load-alarms` of the steps read so far brings

    def read(self) -> Lesson | None:
        data = self.parse()
        if data is None:
            return None
        start = len(self.problems)
        head = self.collect(self.head, data)
        steps_data, steps_reader = data.get("steps", []), self
        if "steps_file" in data and head is not None:
            steps_reader = _LessonReader(self.path.parent / data["steps_file"], self.line, self.problems,
                                         faults=self.faults)
            steps_data = (steps_reader.parse() or {}).get("steps", [])
        steps = steps_reader.collect(steps_reader.steps, steps_data) or ()
        if head is None or len(self.problems) > start:
            return None
        return Lesson(**head, steps=tuple(steps), folder=self.path.parent)

    def head(self, data: Mapping) -> dict:
        self.known_keys(data, "top level", LESSON.key_names)
        if "steps" in data and "steps_file" in data:
            raise self.fail("steps_file", Text(ko="단계는 여기([[steps]])나 steps_file 중 한 곳에만 쓰세요",
                                               en="write the steps here ([[steps]]) or in steps_file, not both"))
        prerequisites = tuple(self.get(data, "prerequisites", "top level", list, []))
        for i, name in enumerate(prerequisites):
            if self.known is not None and name not in self.known:
                raise self.fail(f"prerequisites[{i}]", Text(ko=f"{name!r}은(는) 이 수업보다 앞에 나열된 수업이 아닙니다",
                                                            en=f"{name!r} is not a lesson listed before this one"))
        stations = tuple(self.get(data, "stations", "top level", list))
        for station in stations:
            if station not in STATIONS:
                listed = ", ".join(STATIONS)
                raise self.fail("stations", Text(ko=f"알 수 없는 스테이션 {station!r}: {listed} 중 하나여야 합니다",
                                                 en=f"unknown station {station!r}: expected {listed}"))
        duration = self.whole(data, "duration_min", "top level", 1, 600)
        return {"id": self.get(data, "id", "top level", str), "title": self.bilingual(data, "title", "top level"),
                "level": self.choice(data, "level", "top level", LEVELS), "duration_min": duration,
                "objectives": self.texts(data, "objectives", "top level"), "prerequisites": prerequisites,
                "stations": stations, "setup": self.setup(data)}

    def setup(self, data: Mapping) -> LessonSetup:
        raw = self.table(self.get(data, "setup", "top level", Mapping, {}), "setup")
        self.known_keys(raw, "setup", SETUP.key_names)
        default = LessonSetup()
        writes = dict(DEFAULT_SETUP_WRITES)
        for name, value in self.table(self.get(raw, "write", "setup", Mapping, {}), "setup.write").items():
            action = self.action({"action": "write", "tag": name, "value": value}, f'setup.write."{name}"')
            writes[action.tag] = action.value
        return LessonSetup(clear_faults=self.get(raw, "clear_faults", "setup", bool, default.clear_faults),
                           magazine=self.whole(raw, "magazine", "setup", 0, 1000, default.magazine),
                           write=tuple(writes.items()))

    def steps(self, raw: object) -> list[Step]:
        if not isinstance(raw, list) or not raw:
            raise self.fail("steps", Text(ko="수업에는 단계([[steps]] 표)가 있어야 합니다",
                                          en="a lesson needs steps ([[steps]] tables)"))
        steps = []
        for i, data in enumerate(raw):
            steps.append(step := self.collect(self.step, data, i))
            if step is not None:
                self.step_files[step.id] = step.files
        ids = [s.id for s in steps if s is not None]
        for i, step_id in enumerate(ids):
            if step_id in ids[:i]:
                index = next(j for j, s in enumerate(raw) if isinstance(s, Mapping) and s.get("id") == step_id and
                             j > ids.index(step_id))
                raise self.fail(f"steps[{index}].id", Text(ko=f"단계 id {step_id!r}이(가) 두 번 나옵니다",
                                                           en=f"duplicate step id {step_id!r}"))
        return [s for s in steps if s is not None]

    def step(self, data: object, index: int) -> Step:
        """One step; each of its parts is read on its own, so every problem in it is reported, not just the first."""
        where = f"steps[{index}]"
        data = self.table(data, where)
        part = self.collect
        part(self.known_keys, data, where, STEP.key_names)
        step_id = part(self.get, data, "id", where, str)
        kind = self.get(data, "kind", where, str)
        if kind not in STEP_KINDS:
            listed = ", ".join(STEP_KINDS)
            raise self.fail(f"{where}.kind", Text(ko=f"알 수 없는 단계 종류 {kind!r}: {listed} 중 하나여야 합니다",
                                                  en=f"unknown step kind {kind!r}: expected one of {listed}"))
        title = part(self.bilingual, data, "title", where)
        instruction = part(self.bilingual, data, "instruction", where)
        hints = part(self.texts, data, "hints", where, False) or ()
        self.loaded_alarms |= _loads(data.get("setup"))  # loaded when the step starts: its checks may name them
        fault = part(self.fault, data, where, kind)
        files = part(self.files, data, where)
        check = part(self.step_check, data, where, kind)
        solution = part(self.actions, data, "solution", where, kind != "sign-off") or ()
        setup = part(self.actions, data, "setup", where, False) or ()
        self.loaded_alarms |= _loads(data.get("solution"))  # for the steps after
        if files is not None:  # else its problem is reported already
            part(self.edits_own_files, where, check, solution + setup, files)
        hide = tuple(part(self.get, data, "hide_tags", where, list, []) or ())
        for i, name in enumerate(hide):
            part(self.tag_name, name, f"{where}.hide_tags[{i}]")
        return Step(id=step_id, kind=kind, title=title, instruction=instruction, hints=hints, check=check,
                    solution=solution, setup=setup, fault=fault, files=files or {}, hide_tags=hide)

    def step_check(self, data: Mapping, where: str, kind: str) -> Check | None:
        if kind != "sign-off":
            return self.check(self.get(data, "check", where, Mapping), f"{where}.check", STEP_KINDS[kind])
        for key in ("check", "solution"):
            if key in data:
                raise self.fail(f"{where}.{key}", Text(ko="강사 확인 단계는 강사가 확인합니다: 확인도 풀이도 두지 않습니다",
                                                       en="a sign-off step is confirmed by the instructor: no check or"
                                                          " solution"))
        return None

    def edits_own_files(self, where: str, check: Check | None, actions: tuple[Action, ...], files: dict) -> None:
        if check is not None and check_type(check).probe == "file" and check.file not in files:
            raise self.fail(f"{where}.check.file", Text(
                ko=f"{check.file!r}은(는) 단계의 파일({', '.join(files) or '없음'})이 아닙니다: `{where}.files`에 넣으세요",
                en=f"{check.file!r} is not one of the step's files ({', '.join(files) or 'none'}): add it to"
                   f" {where}.files"))
        for action in actions:
            if action.file is not None and action.step is None and action.file not in files:
                raise self.fail(f"{where}.solution", Text(
                    ko=f"동작 {action.action!r}이(가) 고치는 {action.file!r}은(는) 단계의 파일"
                       f"({', '.join(files) or '없음'})이 아닙니다",
                    en=f"action {action.action!r} edits {action.file!r}, not one of the step's files"
                       f" ({', '.join(files) or 'none'})"))

    def fault(self, data: Mapping, where: str, kind: str) -> Fault | None:
        if kind != "fault-drill":
            if "fault" in data:
                raise self.fail(f"{where}.fault", Text(ko=f"고장은 fault-drill 단계만 주입합니다 (이 단계는 {kind!r})",
                                                       en=f"only a fault-drill step injects a fault (this is {kind!r})"))
            return None
        where = f"{where}.fault"
        raw = self.table(self.get(data, "fault", where.rsplit(".", 1)[0], Mapping), where)
        self.known_keys(raw, where, FAULT.key_names)
        fault_kind = self.get(raw, "kind", where, str)
        params = dict(self.get(raw, "params", where, Mapping, {}))
        if self.faults is not None:
            self.fault_fits(fault_kind, params, where)
        shows = self.check(raw["shows"], f"{where}.shows", inner_types()) if "shows" in raw else None
        return Fault(target=self.get(raw, "target", where, str), kind=fault_kind, params=params,
                     by_hand=self.bilingual(raw, "by_hand", where), shows=shows)

    def fault_fits(self, kind: str, params: dict, where: str) -> None:
        """The kind is one the simulator has, and each param one it takes, with an allowed value."""
        found = self.faults.get(kind)
        if found is None:
            listed = ", ".join(self.faults.names)
            raise self.fail(f"{where}.kind", Text(ko=f"알 수 없는 고장 종류 {kind!r}: {listed} 중 하나여야 합니다",
                                                  en=f"unknown fault kind {kind!r}: expected one of {listed}"))
        for name, value in params.items():
            spec = found.params.get(name)
            if spec is None:
                raise self.fail(f"{where}.params", Text(
                    ko=f"고장 {kind!r}에는 매개변수 {name!r}가 없습니다; 매개변수: {', '.join(found.params) or '없음'}",
                    en=f"fault {kind!r} has no param {name!r}; its params: {', '.join(found.params) or 'none'}"))
            if problem := spec.problem(value):
                raise self.fail(f"{where}.params", Text(ko=f"고장 {kind!r}의 매개변수 {name!r}: {problem.ko}",
                                                        en=f"fault {kind!r} param {name!r}: {problem.en}"))

    def files(self, data: Mapping, where: str) -> dict[str, Path]:
        raw = self.table(self.get(data, "files", where, Mapping, {}), f"{where}.files")
        files = {}
        for name, source in raw.items():
            key = f'{where}.files."{name}"'
            if not isinstance(source, str) or "/" in name or name.startswith("."):
                raise self.fail(key, Text(ko='이름 = "처음 사본의 경로" 형태여야 합니다',
                                          en='expected name = "path of the starting copy"'))
            path = (LINES_DIR / source.removeprefix("lines/")) if source.startswith("lines/") else (self.path.parent / source)
            if not path.is_file():
                raise self.fail(key, Text(ko=f"파일 {source!r}이(가) 없습니다", en=f"no such file {source!r}"))
            files[name] = path
        return files

    # --- checks ---------------------------------------------------------------------------

    def check(self, data: Mapping, where: str, allowed: tuple[str, ...]) -> Check:
        """A check table of one of the `allowed` types, parsed by its type (lessons.checks.registry)."""
        data = self.table(data, where)
        kind = self.get(data, "type", where, str)
        if kind not in allowed:
            listed = ", ".join(allowed)
            raise self.fail(f"{where}.type", Text(ko=f"알 수 없는 확인 종류 {kind!r}: {listed} 중 하나여야 합니다",
                                                  en=f"unknown check type {kind!r}: expected one of {listed}")
                            if kind not in CHECK_TYPES else
                            Text(ko=f"이 단계 종류는 확인 종류 {kind!r}를 쓸 수 없습니다: {listed} 중 하나여야 합니다",
                                 en=f"this step kind cannot use check type {kind!r}: expected one of {listed}"))
        self.known_keys(data, where, CHECK_TYPES[kind].entry.key_names)
        return CHECK_TYPES[kind].parse(self, data, where)

    def whole(self, data: Mapping, key: str, where: str, low: int, high: int, default=...) -> int:
        value = self.number(data, key, where, low, high, default)
        if not isinstance(value, int):
            raise self.fail(where, Text(ko=f"키 {key!r}: 정수여야 합니다, 받은 값 {value!r}",
                                        en=f"key {key!r}: expected a whole number, got {value!r}"))
        return value

    def tag(self, data: Mapping, where: str) -> str:
        return self.tag_name(self.get(data, "tag", where, str), f"{where}.tag")

    def tag_name(self, name: str, where: str) -> str:
        """`name`, a tag of the line (`where`: the key that names it)."""
        if self.line is not None and name not in self.line.tags:
            close = [t for t in self.line.tags if t.split(".")[-1] == name.split(".")[-1]]
            raise self.fail(where, Text(ko=f"알 수 없는 태그 {name!r} ({close[0]!r}을(를) 뜻했나요?)",
                                        en=f"unknown tag {name!r} (did you mean {close[0]!r}?)") if close else
                            Text(ko=f"알 수 없는 태그 {name!r}: `smarthall tags`가 라인의 태그를 보여 줍니다",
                                 en=f"unknown tag {name!r}: `smarthall tags` lists the line's tags"))
        return name

    def call(self, data: Mapping, where: str) -> Action:
        """A method call: ``method = "process.StartBatch"``, ``args`` a list of numbers (checked against the line)."""
        method = self.get(data, "method", where, str)
        args = self.get(data, "args", where, list)
        if not all(isinstance(a, int | float) and not isinstance(a, bool) for a in args):
            raise self.fail(f"{where}.args", Text(ko=f"숫자 목록이어야 합니다, 받은 값 {args!r}",
                                                  en=f"expected a list of numbers, got {args!r}"))
        if self.line is not None:
            try:
                _, _, found = self.line.method(method)
            except LineConfigError as exc:
                raise self.fail(f"{where}.method", Text(
                    ko=f"알 수 없는 메서드 {method!r}: `smarthall profile show`가 장치의 메서드를 보여 줍니다",
                    en=str(exc))) from None
            if len(args) != len(found.inputs):
                raise self.fail(f"{where}.args", Text(ko=f"{method}의 인수는 {len(found.inputs)}개입니다, 받은 것 {len(args)}개",
                                                      en=f"{method} takes {len(found.inputs)} arguments, got {len(args)}"))
        return Action("call", method=method, args=tuple(args))

    def load_alarms(self, data: Mapping, where: str) -> Action:
        """``step`` (an earlier step), ``file`` (one of its files), ``alarms`` (the ids the file must bring)."""
        step, file = self.get(data, "step", where, str), self.get(data, "file", where, str)
        if step not in self.step_files:
            listed = ", ".join(self.step_files) or "-"
            raise self.fail(f"{where}.step", Text(ko=f"{step!r}은(는) 이 단계보다 앞의 단계가 아닙니다 (앞의 단계: {listed})",
                                                  en=f"{step!r} is not a step before this one (those are: {listed})"))
        if file not in self.step_files[step]:
            listed = ", ".join(self.step_files[step]) or "-"
            raise self.fail(f"{where}.file", Text(ko=f"{file!r}은(는) 단계 {step!r}의 파일({listed})이 아닙니다",
                                                  en=f"{file!r} is not one of step {step!r}'s files ({listed})"))
        alarms = self.get(data, "alarms", where, list)
        if not alarms or not all(isinstance(a, str) and a for a in alarms):
            raise self.fail(f"{where}.alarms", Text(ko=f"알람 id 목록이어야 합니다, 받은 값 {alarms!r}",
                                                    en=f"expected a list of alarm ids, got {alarms!r}"))
        return Action("load-alarms", step=step, file=file, alarms=tuple(alarms))

    def alarm(self, data: Mapping, where: str) -> str:
        name = self.get(data, "alarm", where, str)
        known = [a.id for a in self.line.alarms] + sorted(self.loaded_alarms) if self.line is not None else []
        if self.line is not None and name not in known:
            listed = ", ".join(dict.fromkeys(known))
            raise self.fail(f"{where}.alarm", Text(ko=f"알 수 없는 알람 {name!r}: {listed} 중 하나여야 합니다",
                                                   en=f"unknown alarm {name!r}: expected one of {listed}"))
        return name

    def value_fits(self, tag: str, value: object, where: str) -> None:
        point = self.line.tags[tag].point
        if point.type.value == "bool" and not isinstance(value, bool):
            raise self.fail(where, Text(ko=f"{tag}는 bool입니다: true나 false여야 합니다, 받은 값 {value!r}",
                                        en=f"{tag} is a bool: expected true or false, got {value!r}"))
        if point.type.value != "bool" and isinstance(value, bool):
            raise self.fail(where, Text(ko=f"{tag}는 {point.type.value}입니다: 숫자여야 합니다, 받은 값 {value!r}",
                                        en=f"{tag} is a {point.type.value}: expected a number, got {value!r}"))

    def hold(self, data: Mapping, where: str) -> float:
        return float(self.number(data, "hold_s", where, 0, 3600, 0.0))

    def timeout(self, data: Mapping, where: str) -> float:
        return float(self.number(data, "timeout_s", where, 0.1, 86400, DEFAULT_TIMEOUT_S))

    # --- actions --------------------------------------------------------------------------

    def actions(self, data: Mapping, key: str, where: str, required: bool) -> tuple[Action, ...]:
        raw = self.get(data, key, where, list, [])
        if required and not raw:
            table = f"[[{where.split('[')[0]}.{key}]]"
            raise self.fail(f"{where}.{key}" if key in data else where, Text(
                ko=f"자동 확인 단계에는 check-all이 확인을 증명할 모범 풀이({table})가 있어야 합니다",
                en=f"an automatic step needs a reference solution ({table}) so that check-all can prove its check"))
        actions = [self.collect(self.action, a, f"{where}.{key}[{i}]") for i, a in enumerate(raw)]
        return tuple(a for a in actions if a is not None)

    def action(self, data: object, where: str) -> Action:
        data = self.table(data, where)
        name = self.get(data, "action", where, str)
        if name not in ACTIONS:
            listed = ", ".join(ACTIONS)
            raise self.fail(f"{where}.action", Text(ko=f"알 수 없는 동작 {name!r}: {listed} 중 하나여야 합니다",
                                                    en=f"unknown action {name!r}: expected one of {listed}"))
        keys = ACTIONS[name].key_names
        self.known_keys(data, where, ("action", *keys))
        for key in keys:
            if key not in data:
                raise self.fail(where, Text(ko=f"키 {key!r}가 없습니다 (동작 {name!r}에는 {', '.join(keys)}가 필요합니다)",
                                            en=f"missing key {key!r} (action {name!r} needs {', '.join(keys)})"))
        if name == "write":
            tag = self.tag(data, where)
            value = self.get(data, "value", where, (bool, int, float))
            if self.line is not None:
                try:
                    checked_value(self.line.tags[tag], value)
                except WriteRejected as exc:
                    raise self.fail(f"{where}.value", refused(str(exc))) from None
                if self.line.tags[tag].point.level is Level.CONFIGURE:
                    raise self.fail(f"{where}.tag", Text(
                        ko=f"{tag}는 설정 값입니다: 엔지니어만 바꿀 수 있습니다 (수업은 강사로, 교육생은 교육생으로 씁니다)",
                        en=f"{tag} is a configuration setting: only an engineer may change it"
                           " (lessons write as the instructor, trainees as trainees)"))
            return Action(name, tag=tag, value=value)
        if name == "ack":
            return Action(name, alarm=self.alarm(data, where))
        if name == "load-magazine":
            return Action(name, count=int(self.number(data, "count", where, 0, 1000)))
        if name == "wait":
            return Action(name, until=self.check(data["until"], f"{where}.until", inner_types()))
        if name == "answer":
            value = self.get(data, "value", where, (int, float))
            if isinstance(value, float) and not math.isfinite(value):
                raise self.fail(f"{where}.value", Text(ko="유한한 수여야 합니다", en="expected a finite number"))
            return Action(name, value=value)
        if name == "answer-tag":
            return Action(name, tag=self.tag(data, where))
        if name == "call":
            return self.call(data, where)
        if name == "export-history":
            return Action(name, file=self.get(data, "file", where, str), tag=self.tag(data, where),
                          value=float(self.number(data, "since_s", where, 1, 86400)))
        if name == "load-alarms":
            return self.load_alarms(data, where)
        if name == "append":
            return Action(name, file=self.get(data, "file", where, str), text=self.get(data, "text", where, str))
        if name == "replace":
            return Action(name, file=self.get(data, "file", where, str), old=self.get(data, "old", where, str),
                          new=self.get(data, "new", where, str))
        return Action(name)


def _loads(actions: object) -> set[str]:
    """The alarm ids the `load-alarms` tables among `actions` name, as written (a wrong `step` or `file` is a problem
    of its own, not of every check naming its alarms)."""
    loads = [t for t in (actions if isinstance(actions, list) else [])
             if isinstance(t, Mapping) and t.get("action") == "load-alarms" and isinstance(t.get("alarms"), list)]
    return {alarm for table in loads for alarm in table["alarms"] if isinstance(alarm, str)}


def _listed(info: Path) -> set[str]:
    """The folders a catalogue file lists (empty when it cannot be read)."""
    try:
        entries = tomllib.loads(info.read_text(encoding="utf-8")).get("lessons", [])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return set()
    return {e.get("path") for e in entries if isinstance(e, Mapping)} if isinstance(entries, list) else set()


def _version_problem(version: object) -> Text | None:
    """None when this smarthall reads files of `version`; else what is wrong (a newer file is not read further)."""
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        return Text(ko=f"1..{FORMAT_VERSION}의 정수여야 합니다, 받은 값 {version!r}",
                    en=f"expected a whole number 1..{FORMAT_VERSION}, got {version!r}")
    if version > FORMAT_VERSION:
        return Text(ko=f"형식 {version}은(는) 이 smarthall이 읽는 형식(최대 {FORMAT_VERSION})보다 새롭습니다:"
                       " smarthall을 업데이트하세요",
                    en=f"format {version} is newer than this smarthall reads (up to {FORMAT_VERSION}): update"
                       " smarthall to use it")
    return None


def _join(where: str, key: str) -> str:
    return key if where == "top level" else f"{where}.{key}"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _line_from(message: str) -> int:
    import re
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else 1
