"""Methods with declared arguments, checked before the handler runs.

`add_method` advertises the input and output arguments, checks each input's
type (leniently, see `variants.coerce`) and range, runs the handler and turns
its StatusError or plant error into the call's status. A bad argument gives
BadInvalidArgument for the call and BadTypeMismatch or BadOutOfRange for that
argument; a refusal by the plant gives its own status (BadInvalidState when
busy, BadInvalidArgument for a bad fault request). The reason, as text, is in
each argument's DiagnosticInfo.AdditionalInfo.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from asyncua import Node, ua

from .nodes import describe
from .status import StatusError, as_status_error
from .variants import coerce

logger = logging.getLogger(__name__)

MethodHandler = Callable[..., Awaitable[object]]
"""Gets the input values as Python values; returns the output value or None."""


@dataclass(frozen=True)
class Arg:
    """One argument of a method: name, variant type and, optionally, range."""

    name: str
    type: ua.VariantType
    range: tuple[float, float] | None = None
    description: str = ""

    def argument(self) -> ua.Argument:
        """The argument as advertised in the InputArguments/OutputArguments property."""
        text = self.description or (f"{self.range[0]:g}..{self.range[1]:g}" if self.range else "")
        return ua.Argument(Name=self.name, DataType=ua.NodeId(self.type.value), ValueRank=-1,
                           ArrayDimensions=[], Description=ua.LocalizedText(text))

    def take(self, variant: ua.Variant, index: int) -> object:
        """The Python value of this argument; StatusError naming the argument if bad."""
        try:
            value = coerce(variant, self.type, self.name)
        except StatusError as exc:
            raise StatusError(exc.code, str(exc), index) from None
        if self.range is not None and not self.range[0] <= value <= self.range[1]:
            raise StatusError(ua.StatusCodes.BadOutOfRange,
                              f"{self.name}: {value!r} is outside {self.range[0]:g}..{self.range[1]:g}", index)
        return value


async def add_method(parent: Node, nodeid: ua.NodeId, name: ua.QualifiedName, inputs: Sequence[Arg],
                     handler: MethodHandler, output: Arg | None = None, description: str = "") -> Node:
    """Add a method to parent that checks its inputs and then runs handler."""

    async def call(_parent: ua.NodeId, *variants: ua.Variant) -> ua.CallMethodResult:
        try:
            if len(variants) != len(inputs):
                code = ua.StatusCodes.BadArgumentsMissing if len(variants) < len(inputs) else ua.StatusCodes.BadTooManyArguments
                raise StatusError(code, f"{name.Name} takes {len(inputs)} argument(s), got {len(variants)}")
            result = await handler(*(arg.take(v, i) for i, (arg, v) in enumerate(zip(inputs, variants))))
        except Exception as exc:
            error = as_status_error(exc)
            if error is None:
                raise
            logger.info("%s refused (%s): %s", name.Name, ua.StatusCode(error.code).name, error)
            return _refusal(error, len(variants))
        return ua.CallMethodResult(OutputArguments=[ua.Variant(result, output.type)] if output else [])

    node = await parent.add_method(nodeid, name, call, [a.argument() for a in inputs],
                                   [output.argument()] if output else [])
    if description:
        await describe(node, description)
    return node


def _refusal(error: StatusError, count: int) -> ua.CallMethodResult:
    """The result of a refused call; an argument's own error also makes the call BadInvalidArgument."""
    results = [ua.StatusCode() for _ in range(count)]
    infos = [ua.DiagnosticInfo(AdditionalInfo=str(error)) for _ in range(count)]
    code = error.code
    if error.argument is not None:
        results[error.argument] = ua.StatusCode(error.code)
        infos = [info if i == error.argument else ua.DiagnosticInfo() for i, info in enumerate(infos)]
        code = ua.StatusCodes.BadInvalidArgument
    return ua.CallMethodResult(StatusCode=ua.StatusCode(code), InputArgumentResults=results,
                               InputArgumentDiagnosticInfos=infos)
