"""The asyncua internals edge/northbound/_asyncua.py relies on: this fails loudly when asyncua changes them."""

from __future__ import annotations

import inspect

from asyncua.crypto.security_policies import SecurityPolicyNone
from asyncua.server.address_space import MethodService
from asyncua.server.binary_server_asyncio import BinaryServer, OPCUAProtocol
from asyncua.server.internal_server import InternalServer
from asyncua.server.internal_session import InternalSession
from asyncua.server.uaprocessor import UaProcessor


def test_sessions_are_made_by_internal_server_create_session():
    assert list(inspect.signature(InternalServer.create_session).parameters) == ["self", "name", "user", "external"]
    assert "self.iserver.create_session(" in inspect.getsource(UaProcessor)


def test_internal_session_takes_what_route_sessions_passes():
    parameters = list(inspect.signature(InternalSession.__init__).parameters)
    assert parameters == ["self", "internal_server", "aspace", "submgr", "name", "user", "external"]


def test_a_sessions_channel_is_found_through_the_binary_servers_connections():
    """`secured`: BinaryServer.clients hold OPCUAProtocols with a `processor`, whose `session` is set before
    InternalSession.create_session runs (it checks the certificate) and whose `_connection.security_policy.Mode`
    is the channel's security mode."""
    assert "self.clients: list[OPCUAProtocol]" in inspect.getsource(BinaryServer.__init__)
    assert "self.processor = UaProcessor(" in inspect.getsource(OPCUAProtocol)
    source = inspect.getsource(UaProcessor)
    assert source.index("self.session = self.iserver.create_session(") < source.index(
        "await self.session.create_session(params")
    assert "self._connection = SecureConnection(SecurityPolicyNone()" in source
    assert SecurityPolicyNone().Mode.name == "None_"
    assert list(inspect.signature(InternalSession.create_session).parameters) == ["self", "params", "sockname"]
    assert "self.iserver.certificate_validator and params.ClientCertificate" in inspect.getsource(
        InternalSession.create_session)


def test_writes_and_calls_go_through_the_session_with_its_user():
    assert list(inspect.signature(InternalSession.write).parameters) == ["self", "params"]
    assert list(inspect.signature(InternalSession.call).parameters) == ["self", "params"]
    assert "self.session.write(" in inspect.getsource(UaProcessor)
    assert "self.session.call(" in inspect.getsource(UaProcessor)


def test_method_callbacks_are_awaited_in_the_calling_task():
    """`caller()` is a ContextVar set around InternalSession.call: the callback must run in that task, not a thread."""
    source = inspect.getsource(MethodService._run_method)
    assert "iscoroutinefunction(func)" in source and "return await func(parent, *args)" in source
