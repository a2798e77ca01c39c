"""An edge agent for a test: the line file's agent serving its client API, with the helpers tests use.

`EdgeUnderTest.start(portal, line_file, history)` runs `edge.EdgeAgent` and `edge.Service` in the
portal (the history, lock and socket in the test's folder, whatever the line file says) and
returns once every tag read from a device has a first value (the
vision station's derived tags get theirs from the first part inspected). Then, from plain or async tests alike (`portal.bridged`):

    edge.read("conveyor.speed_actual")                 # the value, read from the device now
    edge.write("conveyor.speed_setpoint", 300)         # checked against the profile, in the write log
    edge.snapshot()                                    # every tag's latest TagValue, by name
    edge.wait_for("conveyor.parts_good", lambda n: n >= 3, timeout=30)
    async with edge.connect() as client: ...           # the edge client API (edge.client.Client)

A failed wait raises AssertionError with the tags' last values.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from smarthall.devices.quality import Quality
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.client import Client
from smarthall.edge.config import load_line
from smarthall.edge.service import Service
from smarthall.edge.tags import TagValue
from smarthall.portal import Portal, bridged

from .conditions import TagCondition

if TYPE_CHECKING:
    from .line import LineUnderTest

POLL_S = 0.01
ANSWER_S = 30.0  # the longest a read, write or call waits for the line: no test hangs on a lost request
USER = "pytest"  # the name writes and calls are logged under
T = TypeVar("T")


class TagUnreadable(AssertionError):
    """A tag a test read has no good value; the message names it, its quality and why."""


class EdgeUnderTest:
    """A running agent on a line file, serving its client API on a Unix socket in the test's folder."""

    def __init__(self, portal: Portal, agent: EdgeAgent, service: Service, line: LineUnderTest | None) -> None:
        self.portal = portal
        self.agent = agent
        self.service = service
        self.line = line
        self.line_file = Path(agent.config.source)

    @classmethod
    def start(cls, portal: Portal, line_file: Path, history: Path, line: LineUnderTest | None = None,
              timeout: float = 60.0) -> EdgeUnderTest:
        """Start the agent in the portal (blocking) and wait until every tag read from a device has a first value.

        `line`: the simulated line it runs on, when a test steps its clock through `step`."""
        agent, service = portal.run(_serving(line_file, history, timeout))
        return cls(portal, agent, service, line)

    def close(self) -> None:
        self.portal.run(_closed(self.agent, self.service))

    @property
    def socket(self) -> Path:
        """The client API's Unix socket (`Client.connect_unix`), also found by `edge.client.connect_line`."""
        assert self.service.socket is not None
        return self.service.socket

    @property
    def opcua_url(self) -> str | None:
        """The agent's northbound OPC UA server, when the line file has one."""
        return None if self.agent.northbound is None else self.agent.northbound.endpoint_url

    @property
    def tags(self) -> list[str]:
        return sorted(self.agent.config.tags)

    @contextlib.asynccontextmanager
    async def connect(self, user: str | None = None, password: str | None = None) -> AsyncIterator[Client]:
        """A client API session in the caller's event loop (async tests): `async with edge.connect() as client`."""
        async with await Client.connect_unix(self.socket, user, password) as client:
            yield client

    @bridged
    async def read(self, tag: str) -> object:
        """The tag's value read from its device now; TagUnreadable when it is not good."""
        [value] = await _answered(f"read({tag!r})", self.agent.read([tag]))
        if value.quality is not Quality.GOOD:
            raise TagUnreadable(f"{tag} is {value.quality}: {value.reason or 'no reason given'}")
        return value.value

    @bridged
    async def write(self, tag: str, value: bool | float) -> None:
        """Write through the agent's checks (WriteRejected, WriteFailed), logged as user 'pytest'."""
        await _answered(f"write({tag!r}, {value!r})", self.agent.write(tag, value, user=USER))

    @bridged
    async def call(self, method: str, *args: bool | float) -> object:
        """Call a device method (``process.StartBatch``), logged as user 'pytest'."""
        return await _answered(f"call({method!r})", self.agent.call(method, args, user=USER))

    @bridged
    async def snapshot(self) -> dict[str, TagValue]:
        """Every tag's latest value (with quality, reason, timestamp and unit), by name."""
        return dict(sorted(self.agent.latest.items()))

    @bridged
    async def wait_for(self, tags: str | list[str], condition: object = None, timeout: float = 10.0,
                       quality: str = "good") -> dict[str, TagValue]:
        """Wait until the tags have that quality and the condition holds; their values then, by name.

        `condition` is a callable of the tags' values (in order), a value every tag must equal, or None (any
        value). After `timeout` seconds: AssertionError showing each tag's last values.
        """
        __tracebackhide__ = True
        names = [tags] if isinstance(tags, str) else list(tags)
        for name in names:
            self.agent.config.tag(name)  # an unknown tag: LineConfigError naming the tags there are
        wait = TagCondition(names, condition, Quality(quality))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not wait.offer(self.agent.latest):
            if loop.time() > deadline:
                raise AssertionError(wait.failure(timeout))
            await asyncio.sleep(POLL_S)
        return {name: self.agent.latest[name] for name in names}

    @bridged
    async def step(self, seconds: float) -> None:
        """Move a manual-clock line on, then read every tag fresh: the agent has seen where the plant is."""
        if self.line is None:
            raise RuntimeError("smarthall_edge.step: this agent runs on a line file of yours, not a simulated line")
        await self.line.step(seconds)
        tags = [name for name, tag in self.agent.config.tags.items() if not tag.derived]
        await _answered(f"step({seconds!r})", self.agent.read(tags))


async def _answered(what: str, request: Awaitable[T]) -> T:
    """The request's result, or TimeoutError naming it after ANSWER_S seconds."""
    try:
        async with asyncio.timeout(ANSWER_S) as scope:
            return await request
    except TimeoutError:
        if scope.expired():
            raise TimeoutError(f"smarthall_edge.{what}: no answer from the line within {ANSWER_S:g} s") from None
        raise


async def _serving(line_file: Path, history: Path, timeout: float) -> tuple[EdgeAgent, Service]:
    config = load_line(line_file, {"historian": {"path": str(history)}})
    agent = EdgeAgent(config)
    await agent.start(serve=True)
    service = Service(agent, config.users, listen=config.listen)
    try:
        await service.start()
        await _first_values(agent, timeout)
    except BaseException:
        await _closed(agent, service)
        raise
    return agent, service


async def _first_values(agent: EdgeAgent, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    read = {name for name, tag in agent.config.tags.items() if not tag.derived}  # derived: some only once a part passes
    while missing := sorted(read - set(agent.latest)):
        if loop.time() > deadline:
            raise TimeoutError(f"{agent.config.source}: no first value within {timeout:g} s for "
                               f"{len(missing)} tag(s): {', '.join(missing[:10])}")
        await asyncio.sleep(POLL_S)


async def _closed(agent: EdgeAgent, service: Service) -> None:
    try:
        await service.close()
    finally:
        await agent.close()
