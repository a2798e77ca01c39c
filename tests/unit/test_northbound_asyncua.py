"""The asyncua internals edge/northbound/_asyncua.py relies on: this fails loudly when asyncua changes them."""

from __future__ import annotations

import inspect

from asyncua.server.address_space import MethodService
from asyncua.server.internal_server import InternalServer
from asyncua.server.internal_session import InternalSession
from asyncua.server.uaprocessor import UaProcessor


def test_sessions_are_made_by_internal_server_create_session():
    assert list(inspect.signature(InternalServer.create_session).parameters) == ["self", "name", "user", "external"]
    assert "self.iserver.create_session(" in inspect.getsource(UaProcessor)


def test_internal_session_takes_what_route_sessions_passes():
    parameters = list(inspect.signature(InternalSession.__init__).parameters)
    assert parameters == ["self", "internal_server", "aspace", "submgr", "name", "user", "external"]


def test_writes_and_calls_go_through_the_session_with_its_user():
    assert list(inspect.signature(InternalSession.write).parameters) == ["self", "params"]
    assert list(inspect.signature(InternalSession.call).parameters) == ["self", "params"]
    assert "self.session.write(" in inspect.getsource(UaProcessor)
    assert "self.session.call(" in inspect.getsource(UaProcessor)


def test_method_callbacks_are_awaited_in_the_calling_task():
    """`caller()` is a ContextVar set around InternalSession.call: the callback must run in that task, not a thread."""
    source = inspect.getsource(MethodService._run_method)
    assert "iscoroutinefunction(func)" in source and "return await func(parent, *args)" in source
