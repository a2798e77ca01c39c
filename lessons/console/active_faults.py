"""ActiveFaults: the simulated line's active faults, read from sim control every second and on demand."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

from .texts import t

REFRESH_S = 1.0


class ActiveFaults(Static):
    DEFAULT_CSS = """
    ActiveFaults { height: auto; max-height: 8; padding: 0 1; }
    """
    lang = reactive("en")

    def __init__(self, sim, **kwargs) -> None:
        super().__init__(markup=False, **kwargs)
        self.sim = sim  # lessons.sim_control.SimControl
        self.catalogue = None  # the FaultCatalogue once the fault panel read it: kinds shown by name
        self.faults: list | None = None  # None until the first read
        self.error = ""
        self._reading = self._again = False

    def on_mount(self) -> None:
        self.set_interval(REFRESH_S, self.reload)
        self.reload()

    def reload(self) -> None:
        """Read the active faults again, in a worker; asked while a read runs, read once more after it."""
        if self._reading:
            self._again = True
            return
        self._reading, self._again = True, False
        self.run_worker(self._read(), group="active-faults")

    async def _read(self) -> None:
        try:
            self.faults, self.error = await self.sim.active_faults(), ""
        except Exception as exc:
            self.error = str(exc)
        finally:
            self._reading = False
        self.show()
        if self._again:
            self.reload()

    def watch_lang(self) -> None:
        self.show()

    def show(self) -> None:
        lang = self.lang
        if self.error:
            self.update(f"⚠ {self.error}")
        elif self.faults is None:
            self.update("")
        elif not self.faults:
            self.update(t("no_faults", lang))
        else:
            lines = [t("fault_line", lang, id=f.id, target=f.target, kind=f.kind if self.catalogue is None else
                       self.catalogue.name(f.kind, lang)) + _params(f.params)
                     for f in self.faults]
            self.update("\n".join(lines))


def _params(params: dict) -> str:
    return " (" + ", ".join(f"{k}={v}" for k, v in sorted(params.items())) + ")" if params else ""
