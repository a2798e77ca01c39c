"""The panel puts on screen only what changed: an update of an unchanged widget costs the screen a layout pass."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from smarthall.panel.shown import show


class Counted(Static):
    def __init__(self) -> None:
        super().__init__("", id="counted")
        self.updates = 0

    def update(self, content="", *, layout: bool = True) -> None:
        self.updates += 1
        super().update(content, layout=layout)


class One(App):
    def compose(self) -> ComposeResult:
        yield Counted()


async def test_equal_content_is_not_put_on_the_widget_again():
    app = One()
    async with app.run_test():
        widget = app.query_one(Counted)
        show(widget, "belt 200 mm/s")
        show(widget, "belt 200 mm/s")
        assert widget.updates == 1
        show(widget, Text("belt", style="green"))
        show(widget, Text("belt", style="green"))  # another object, the same characters and styles
        assert widget.updates == 2
        show(widget, Text("belt", style="red"))
        show(widget, "belt 0 mm/s")
        assert widget.updates == 4 and widget.content == "belt 0 mm/s"
