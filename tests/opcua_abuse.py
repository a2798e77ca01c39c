"""Hostile OPC UA clients for the tests of the project's OPC UA servers (simulated stations, northbound)."""

from __future__ import annotations

import asyncio
import contextlib
import struct


def hello(url: str) -> bytes:
    """An OPC UA Hello message for url."""
    body = struct.pack("<5I", 0, 65535, 65535, 0, 0) + struct.pack("<i", len(url)) + url.encode()
    return b"HELF" + struct.pack("<I", 8 + len(body)) + body


def chunk(channel: int, size: int) -> bytes:
    """An intermediate MSG chunk for a secure channel that does not exist."""
    return b"MSGC" + struct.pack("<II", size, channel) + struct.pack("<III", 1, 1, 1) + bytes(size - 24)


def host_port(url: str) -> tuple[str, int]:
    host, port = url[len("opc.tcp://"):].split("/")[0].rsplit(":", 1)
    return host, int(port)


async def claim_a_huge_body(url: str, source: str = "127.0.0.1") -> None:
    """Send a message whose header claims 2 GB and stream into it until the server closes the connection
    (returns then; 5 s at most, after 1 MB sent)."""
    reader, writer = await asyncio.open_connection(*host_port(url), local_addr=(source, 0))
    try:
        writer.write(hello(url) + b"MSGF" + struct.pack("<II", 2**31, 1))
        with contextlib.suppress(ConnectionError):
            for _ in range(64):
                writer.write(bytes(16384))
                await writer.drain()
        async with asyncio.timeout(5):
            with contextlib.suppress(ConnectionError):
                while await reader.read(65536):
                    pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

