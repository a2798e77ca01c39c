"""The edge's exception tree: one root, `EdgeError`, over every error the edge raises on purpose.

Catch `EdgeError` to catch them all (a CLI shows its message as one line); catch a
branch for one kind of trouble::

    EdgeError
    ├── LineConfigError (also a ValueError)   a line file that cannot be used: file, key, expected
    ├── UsersFileError (also a ValueError)    a users file that cannot be used: file, key, expected
    ├── WriteRejected                         refused before the device: read-only, wrong type, range
    ├── CallRejected                          refused before the device: wrong arguments
    ├── AuthenticationFailed                  wrong name or password (never says which)
    ├── Forbidden                             the user's role or team does not allow it; says why
    ├── LineBusy                              another agent owns this line (edge.owner): its pid and endpoints
    ├── AgentError                            the running agent refused or failed a client's request
    │   ├── AgentUnavailable                  no agent serves this line, or the connection to it broke
    │   ├── LessonNotOpen                     no lesson runs on this line (or for that team); says so in ko/en
    │   └── AlarmsRefused                     alarms the running agent would not load: file, key, expected (ko/en)
    ├── AlarmError                            (edge.alarms) bad alarm spec, unknown alarm id
    │   ├── InvalidAlarmSpec
    │   └── UnknownAlarm
    ├── HistorianError                        (edge.historian) a history file that cannot be used
    │   └── NewerSchema
    ├── InspectionError                       (edge.inspection)
    │   ├── RecipeError (also a ValueError)
    │   └── CalibrationError
    ├── CredentialsError                      (edge.sparkplug) the MQTT password could not be read
    └── CommandError (also a ValueError)      (edge.sparkplug) a DCMD naming no writable metric

This module is stdlib only and imports nothing of the edge, so clients (`edge.client`) and
sub-packages can import it cheaply. `Forbidden`, `AuthenticationFailed`, `LessonNotOpen` and `AlarmsRefused` carry
their reason in Korean and English (`say(lang)`); ``str()`` is the English.
"""

from __future__ import annotations


class EdgeError(Exception):
    """Base of every error the edge raises on purpose."""


class LineConfigError(EdgeError, ValueError):
    """A line configuration that cannot be used; the message says where and why."""


class UsersFileError(EdgeError, ValueError):
    """A users file that cannot be used; the message names the file, the key and what was expected."""


class WriteRejected(EdgeError):
    """A write refused before it reached the device: read-only tag, wrong type, out of range."""


class CallRejected(EdgeError):
    """A method call refused before it reached the device: wrong number or type of arguments."""


class _Bilingual(EdgeError):
    """An error a person reads in Korean or English."""

    def __init__(self, en: str, ko: str) -> None:
        super().__init__(en)
        self.en, self.ko = en, ko

    def say(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


class AuthenticationFailed(_Bilingual):
    """Wrong name or password; the message never says which of the two was wrong."""

    def __init__(self, en: str = "wrong user name or password",
                 ko: str = "사용자 이름이나 비밀번호가 틀렸습니다") -> None:
        super().__init__(en, ko)


class Forbidden(_Bilingual):
    """The user's role (or team) does not allow the action; the message says why in plain words."""



class LineBusy(EdgeError):
    """Another agent owns this line; the message names it (pid, where it serves)."""


class AgentError(EdgeError):
    """The running agent refused or failed a client's request (unknown tag or alarm, the device failed...)."""


class AgentUnavailable(AgentError):
    """No agent serves this line, or the connection to it broke."""


class LessonNotOpen(AgentError, _Bilingual):
    """No lesson runs on this line, or none for the team asked about (edge.service's `lesson`, `answer`)."""

    def __init__(self, en: str = "no lesson is running on this line",
                 ko: str = "이 라인에서 진행 중인 수업이 없습니다") -> None:
        _Bilingual.__init__(self, en, ko)


class AlarmsRefused(AgentError, _Bilingual):
    """Alarms a running agent would not load (`EdgeAgent.load_alarms`): the file, the key and what was expected."""
