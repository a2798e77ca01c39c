"""The vision station as the edge agent runs it: the reject loop with its own drivers and image archive.

`VisionStation` opens its own connection to the conveyor PLC (the loop polls
every few milliseconds and must not queue behind the scanner's reads), the
camera and the archive, from a line's `VisionSettings`; `close()` closes all.
"""

from __future__ import annotations

from collections.abc import Callable

from smarthall.devices.camera import CameraDriver
from smarthall.devices.driver import WritesBlocks

from ..config import VisionSettings
from ..tags import TagValue
from .archive import ImageArchive
from .loop import RejectLoop


class VisionStation:
    """Camera, conveyor connection and reject loop; `run()` until cancelled, then `close()`."""

    def __init__(self, settings: VisionSettings, publish: Callable[[TagValue], None], conveyor: WritesBlocks) -> None:
        """`conveyor` is the reject loop's own driver to the conveyor's PLC (apart from the scanner's)."""
        self.settings = settings
        self.camera = CameraDriver(settings.camera)
        self.conveyor = conveyor
        archive = ImageArchive(settings.archive_path, settings.archive_max_bytes, settings.pass_sample)
        self.loop = RejectLoop(self.conveyor, settings.device, self.camera, settings.recipe, poll_s=settings.poll_s,
                               idle_poll_s=settings.idle_poll_s, poll_mm=settings.poll_mm, budget_s=settings.budget_s,
                               publish=publish, archive=archive)

    async def run(self) -> None:
        self.camera.start()
        await self.loop.run()

    async def close(self) -> None:
        await self.camera.close()
        await self.conveyor.close()
