"""Who an OPC UA session is: username identity tokens checked against the line's users file.

A session signs in with a user name and password (`Users.authenticate`) or
anonymously, as the users file's ``[anonymous]`` role (observer at most), when
the line file's ``[northbound] anonymous`` allows it. A refused sign-in answers
BadUserAccessDenied and says nothing of whether the name or the password was
wrong. asyncua asks synchronously: a check costs one scrypt hash (about 50 ms).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from asyncua.crypto.permission_rules import User as UaUser
from asyncua.crypto.permission_rules import UserRole

from ..errors import AuthenticationFailed
from ..users import Role, User, Users

log = logging.getLogger(__name__)

OBSERVER = User("anonymous", Role.OBSERVER)
"""Anonymous sessions on a line without a users file."""


@dataclass
class Session(UaUser):
    """asyncua's user of a session, with ours (every signed-in session may send requests; we decide)."""

    person: User = OBSERVER


def person(user: UaUser | None) -> User:
    """Our user of an asyncua session's user (an observer for anything not signed in here)."""
    return user.person if isinstance(user, Session) else OBSERVER


class Identities:
    """asyncua's user manager for the northbound server."""

    def __init__(self, users: Users | None, anonymous: bool) -> None:
        self._users = users
        self.anonymous = None if not anonymous else (OBSERVER if users is None else users.anonymous)

    def get_user(self, iserver, username: str | None = None, password: str | None = None,
                 certificate=None) -> Session | None:
        """The session's user, or None to refuse it (BadUserAccessDenied)."""
        if username is None:
            person = self.anonymous
        elif self._users is None:
            person = None
        else:
            try:
                person = self._users.authenticate(username, password or "")
            except AuthenticationFailed:
                person = None
        if person is None:
            log.info("OPC UA sign-in refused for %s", username or "an anonymous session")
            return None
        return Session(role=UserRole.User, name=person.name, person=person)
