"""Docs that run: every mbpoll command in the README works against the simulated line."""

from __future__ import annotations

import asyncio
import re
import shlex
from pathlib import Path

import pytest

from smarthall.simulators.line import SimOptions, SimulatedLine
from smarthall.simulators.options import FREE_PORTS

README = Path(__file__).resolve().parents[2] / "README.md"
COMMANDS = [line.split("#")[0].strip() for line in README.read_text(encoding="utf-8").splitlines()
            if line.startswith("mbpoll ")]


def test_readme_shows_mbpoll_commands():
    assert len(COMMANDS) >= 5


@pytest.mark.debian("mbpoll")
@pytest.mark.parametrize("command", COMMANDS)
async def test_readme_mbpoll_command_works(command, tmp_path):
    link = tmp_path / "fieldbus"
    options = SimOptions(**FREE_PORTS,
                         fieldbus_link=str(link))
    async with SimulatedLine(options) as line:
        ports = {name: next(e.address for e in line.endpoints if e.name.startswith(name)).rsplit(":", 1)[1]
                 for name in ("feeder", "conveyor")}
        args = shlex.split(command.replace("/tmp/smarthall-fieldbus", str(link)))
        if "-p" in args:
            port = args[args.index("-p") + 1]
            defaults = {str(getattr(SimOptions(), f"{name}_port")): ports[name] for name in ports}
            args[args.index("-p") + 1] = defaults[port]
        proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), 15)
    text = out.decode()
    assert proc.returncode == 0, text
    assert re.search(r"^\[\d+\]:\s", text, re.MULTILINE) or "Written" in text, text
