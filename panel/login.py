"""Sign in with a user of the line's users file: name and password; the agent checks them.

Messages up: `LoginScreen.SignIn(user, password)`; the app answers with `refuse(reason)` or moves on.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from .texts import say


class LoginScreen(Screen):
    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    LoginScreen #login { width: 50; height: auto; border: round $primary; padding: 1 2; }
    LoginScreen #login Label { margin-top: 1; }
    LoginScreen #login-problem { color: $error; height: auto; margin-top: 1; }
    """

    class SignIn(Message):
        def __init__(self, user: str, password: str) -> None:
            super().__init__()
            self.user, self.password = user, password

    def __init__(self, user: str, lang: str, where: str) -> None:
        super().__init__()
        self.user, self.lang, self.where = user, lang, where

    def compose(self) -> ComposeResult:
        with Vertical(id="login"):
            yield Static(id="login-title")
            yield Label(id="user-label")
            yield Input(self.user, id="user")
            yield Label(id="password-label")
            yield Input(password=True, id="password")
            with Center():
                yield Button(id="sign-in", variant="primary")
            yield Static(id="login-problem")
        yield Footer()

    def on_mount(self) -> None:
        self.relabel()
        self.query_one("#password" if self.user else "#user", Input).focus()

    def relabel(self) -> None:
        self.query_one("#login-title", Static).update(say("login_title", self.lang, where=self.where))
        self.query_one("#user-label", Label).update(say("user_name", self.lang))
        self.query_one("#password-label", Label).update(say("password", self.lang))
        self.query_one("#sign-in", Button).label = say("sign_in", self.lang)

    def refuse(self, reason: str) -> None:
        self.query_one("#login-problem", Static).update(reason)
        self.query_one("#password", Input).value = ""
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#user")
    def _next(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#sign-in")
    def _sign_in(self, event) -> None:
        event.stop()
        user = self.query_one("#user", Input).value.strip()
        if not user:
            self.query_one("#user", Input).focus()
            return
        self.query_one("#login-problem", Static).update(say("signing_in", self.lang))
        self.post_message(self.SignIn(user, self.query_one("#password", Input).value))
