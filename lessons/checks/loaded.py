"""What the workspace-file check types share: judged each time the file is loaded again."""

from __future__ import annotations

from smarthall.devices.profiles import Text

from .base import Evaluation, same

NOT_LOADED = Text(ko="아직 불러오지 않음", en="not loaded yet")


class FileCheck(Evaluation):
    """A check on a workspace file: it holds while the last load is right."""

    takes_file = True

    def __init__(self, check, started: float) -> None:
        super().__init__(check, started)
        self.seen: tuple[bool, Text] = (False, NOT_LOADED)
        self.ok_since: float | None = None

    def loaded(self, result, at: float | None = None) -> None:
        self.seen = (False, same(result)) if isinstance(result, str) else self.judge(result)
        if not self.seen[0]:
            self.ok_since = None
        elif self.ok_since is None:
            self.ok_since = self.started if at is None else at

    def judge(self, result) -> tuple[bool, Text]:
        """Whether the loaded file is right, and what the check sees in it."""
        raise NotImplementedError

    def since(self) -> float | None:
        return self.ok_since

    def describe(self, now: float) -> Text:
        return self.seen[1]
