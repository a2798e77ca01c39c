"""pymodbus's client with its reply decoding replaced by `reply` (the one place touching its internals).

pymodbus 3.16 keeps the framer on `client.ctx.framer` and calls its
`buildFrame(request)` to send and `handleFrame(buffer, unit, tid)` on every
byte received. `checked(client)` swaps in a framer that remembers the request
and answers with a `CheckedReply`: the request's values, or the error that
says why the bytes are no answer. Connecting and sending stay pymodbus's.
tests/integration/test_hostile_modbus.py fails loudly if that changes
(pymodbus alone lets a transaction id 0 reply through as GOOD).

pymodbus also waits for each reply with a timer of its own (`asyncio.wait_for`
over `comm_params.timeout_connect`, the timeout the client was made with);
the driver bounds every request itself (its read or write timeout), so
`checked` takes that timeout away once connected: one timer per request, not
two (test_driver_modbus's one-timer test fails loudly if pymodbus adds one).
"""

from __future__ import annotations

from collections.abc import Callable

from pymodbus.client.base import ModbusBaseClient
from pymodbus.framer import FramerRTU, FramerSocket
from pymodbus.pdu import ModbusPDU

from ..errors import DriverError, ProtocolViolation
from .reply import Incomplete, Request, check_pdu, split_rtu, split_tcp

Outcome = list[int] | list[bool] | None | DriverError


class CheckedReply(ModbusPDU):
    """The result of one request: the values read (None for a write) or the DriverError instead."""

    def __init__(self, outcome: Outcome, dev_id: int, transaction_id: int) -> None:
        super().__init__(dev_id=dev_id, transaction_id=transaction_id)
        self.outcome = outcome


class _Checking:
    """Mixed into pymodbus's framer class of the link: same frames out, every reply checked on the way in."""

    split: Callable[[bytes, Request], tuple[int, bytes]]

    def __init__(self, decoder) -> None:
        super().__init__(decoder)
        self.request: Request | None = None
        self.untrusted: str | None = None  # why the byte stream can no longer be trusted

    def buildFrame(self, message: ModbusPDU) -> bytes:
        pdu = message.function_code.to_bytes(1, "big") + message.encode()
        self.request = Request(message.transaction_id, message.dev_id, pdu)
        return self.encode(pdu, message.dev_id, message.transaction_id)  # pymodbus's buildFrame, the PDU encoded once

    def handleFrame(self, data: bytes, exp_devid: int, exp_tid: int) -> tuple[int, ModbusPDU | None]:
        request = self.request
        if request is None:
            self.untrusted = self.untrusted or f"{len(data)} bytes with no request outstanding"
            return len(data), None
        try:
            used, pdu = self.split(data, request)
        except Incomplete:
            return 0, None
        except ProtocolViolation as exc:
            used, outcome = len(data), exc
        else:
            try:
                outcome = check_pdu(request, pdu)
            except DriverError as exc:
                outcome = exc
        if isinstance(outcome, ProtocolViolation):
            self.untrusted = outcome.reason
        self.request = None
        return used, CheckedReply(outcome, exp_devid, exp_tid)


class CheckedSocketFramer(_Checking, FramerSocket):
    split = staticmethod(split_tcp)


class CheckedRtuFramer(_Checking, FramerRTU):
    split = staticmethod(split_rtu)


def checked(client: ModbusBaseClient) -> _Checking:
    """Put the checking framer into a connected client in place of pymodbus's, and leave the wait for each reply
    to the caller's deadline (no timer of pymodbus's); returns the framer."""
    ctx = client.ctx
    ctx.comm_params.timeout_connect = None  # read once more: by TransactionManager.execute, for each reply
    kind = {FramerSocket: CheckedSocketFramer, FramerRTU: CheckedRtuFramer}[type(ctx.framer)]
    ctx.framer = kind(ctx.framer.decoder)
    return ctx.framer
