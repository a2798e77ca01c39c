"""LabApp: the instructor console over one line (a LiveLine: the edge's client API; SimControl on the simulated line).

Broken lessons (shelf.BrokenLesson) are listed with their problems and never opened.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.worker import WorkerCancelled, WorkerFailed

from smarthall.lessons.classroom import Classroom
from smarthall.lessons.model import Catalogue
from smarthall.lessons.progress import Progress
from smarthall.lessons.team_run import TeamRun

from .bindings import bindings, translate
from .classroom_view import ClassroomScreen
from .fault_panel import FaultScreen
from .lesson_list import LessonListScreen
from .line_overview import LineScreen
from .live import LiveLine
from .shelf import BrokenLesson
from .step_view import StepScreen
from .texts import t


class LabApp(App):
    KEYS = (("l", "toggle_lang", "language", True), ("v", "line", "line", True), ("f", "faults", "faults", True),
            ("q", "quit", "quit", True), ("ctrl+p", "command_palette", "palette", False))  # Textual's palette, named here
    BINDINGS = bindings(KEYS, "en")

    def __init__(self, catalogue: Catalogue, line: LiveLine, sim, progress: Progress, trainee: str, workspace: Path,
                 lesson: str | None = None, lang: str = "en", broken: tuple[BrokenLesson, ...] = (),
                 clock: Callable[[], float] = time.time, team_run: TeamRun | None = None,
                 classroom: Classroom | None = None) -> None:
        super().__init__()
        self.catalogue = catalogue
        self.broken = broken
        self.clock = clock  # what "seconds ago" is counted from
        self.line = line  # the line through the edge's client API, kept fresh by a worker while the app runs
        self.sim = sim  # lessons.sim_control.SimControl, or None on a real line
        self.progress = progress
        self.trainee = trainee
        self.workspace = Path(workspace)
        # the whole line's lesson run, which the step view drives (and `smarthall lab` serves to panels)
        self.team_run = team_run or TeamRun(line.client, sim, progress, self.workspace, recorder=trainee, clock=clock)
        self.classroom = classroom  # `lab --classroom`: every team's step in one view, over the lesson list
        self.first_lesson = lesson
        self.lang = lang
        self.freeze_gc_when_ready = False  # a long-running console: set by `smarthall lab`, not by tests
        self.exit_when: str | None = None  # `smarthall lab --exit-when-ready` / `--exit-when-live`: "drawn", "live"
        self.ready_note = ""  # shown once ready
        # `smarthall lab`: the line, started once the console is drawn (smarthall.lab_line.StartingLine)
        self.starting = None
        self.log_path: Path | None = None  # where library messages go (`smarthall lab`), shown on the line screen

    def on_ready(self) -> None:
        if self.freeze_gc_when_ready:
            gc.freeze()  # the start-up objects are kept for good, so full collections stay short (~10 ms, not ~130)
        if self.exit_when == "drawn":
            self.exit()
            return
        if self.ready_note:
            self.notify(self.ready_note, timeout=30)
        if self.starting is not None:
            self.starting.begin(self.line_started, lambda _why: self.exit(return_code=2))  # the why: said after
        elif self.exit_when == "live":
            self.run_worker(self._exit_when_live())

    def line_started(self, started) -> None:
        """The line behind the console runs: say how trainees and SCADA reach it."""
        if self.freeze_gc_when_ready:
            gc.freeze()
        self.notify(started.note, timeout=30)
        if self.exit_when == "live":
            self.run_worker(self._exit_when_live())

    async def _exit_when_live(self) -> None:
        await self.line.valued.wait()
        self.exit()

    async def on_unmount(self) -> None:
        """The line's session (and what it serves) closes before the app's loop ends."""
        self.line_worker.cancel()
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await self.line_worker.wait()

    def on_mount(self) -> None:
        self.line_worker = self.run_worker(self.line.run(), name="line", group="line")
        self.retranslate()
        self.lessons = LessonListScreen()
        self.push_screen(self.lessons)
        if self.classroom is not None:
            self.push_screen(ClassroomScreen(self.classroom))
        elif self.first_lesson:
            self.open_lesson(self.first_lesson)

    def open_lesson(self, lesson_id: str, step: int = 0) -> None:
        """Open a lesson at a step; a broken one is only shown in the list, with its problems."""
        if any(b.id == lesson_id for b in self.broken):
            self.lessons.show_lesson(lesson_id)
            return
        self.push_screen(StepScreen(self.catalogue.lesson(lesson_id), step))

    def retranslate(self) -> None:
        self.title = t("title", self.lang)
        self.sub_title = self.line.config.title(self.lang)
        translate(self, self.KEYS, self.lang)

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "faults":
            return self.sim is not None
        return True

    def action_toggle_lang(self) -> None:
        self.lang = "ko" if self.lang == "en" else "en"
        self.retranslate()
        for screen in self.screen_stack:
            if hasattr(screen, "retranslate"):
                screen.retranslate()

    def action_line(self) -> None:
        if not isinstance(self.screen, LineScreen):
            self.push_screen(LineScreen())

    def action_faults(self) -> None:
        if self.sim is not None and not isinstance(self.screen, FaultScreen):
            self.push_screen(FaultScreen())
