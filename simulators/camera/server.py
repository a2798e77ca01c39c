"""A small asyncio HTTP/1.1 server for the simulated camera: MJPEG stream and JPEG snapshot.

``GET /camera/stream.mjpg`` answers ``multipart/x-mixed-replace; boundary=frame``
with one JPEG part per frame tick; ``GET /camera/snapshot.jpg`` answers one JPEG.
Each response closes its connection. The frame source is called on the event loop;
``None`` from it means the camera is offline: the snapshot answers 503 and streams
send nothing until frames come back. What it returns (a frame, or a function drawing
one from what it was given) is drawn and JPEG-encoded in a worker thread (OpenCV and
NumPy release the GIL), so the event loop that also steps the plant is not held up.

Each tick grabs and encodes one frame and shares the bytes among all stream clients.
A client only ever waits for the newest frame, so a slow client skips frames instead
of queueing them, and one that stops reading for ``send_timeout`` is dropped.
``start()`` raises ``OSError`` when the address is unavailable (e.g. port in use).
Every wait is an ``asyncio.timeout`` block: with ``asyncio.wait_for`` (Python 3.11) a client task
cancelled by ``close()`` as its write finished ran on, waiting for frames that no longer came.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import urlsplit

import numpy as np

from smarthall.devices.opencv import cv2

from ..options import CAMERA_STREAM as STREAM_PATH  # the one definition, beside the ports

Picture = np.ndarray | Callable[[], np.ndarray]
"""A BGR frame, or a function that draws one from what it holds (run in a worker thread: never live state)."""
FrameSource = Callable[[], Picture | None]
"""Called on the event loop: the current picture, or None while the camera is offline."""

SNAPSHOT_PATH = "/camera/snapshot.jpg"
BOUNDARY = "frame"

_log = logging.getLogger(__name__)
_MAX_REQUEST_HEAD = 8192
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_STREAM_HEAD = (
    "HTTP/1.1 200 OK\r\n"
    f"Content-Type: multipart/x-mixed-replace; boundary={BOUNDARY}\r\n"
    "Cache-Control: no-cache, no-store\r\n"
    "Connection: close\r\n\r\n"
).encode("ascii")
_STREAM_END = f"--{BOUNDARY}--\r\n".encode("ascii")


class CameraServer:
    """Serves frames from ``frame_source`` over HTTP; use ``async with`` or start()/close()."""

    def __init__(
        self,
        frame_source: FrameSource,
        host: str = "127.0.0.1",
        port: int = 8080,
        *,
        fps: float = 15.0,
        jpeg_quality: int = 85,
        request_timeout: float = 10.0,
        send_timeout: float = 10.0,
    ) -> None:
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self._source = frame_source
        self._host = host
        self._port = port
        self._period = 1.0 / fps
        self._jpeg_params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality]
        self._request_timeout = request_timeout
        self._send_timeout = send_timeout
        self._server: asyncio.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self._closing = False
        self._subscribers = 0
        self._chunk = b""  # the newest multipart part (boundary, headers, JPEG)
        self._seq = 0  # bumped with every new chunk
        self._new_chunk = asyncio.Event()

    @property
    def port(self) -> int:
        """The bound port (the real one when constructed with port 0); only after start()."""
        if self._server is None:
            raise RuntimeError("camera server is not started")
        return self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8080``."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def stream_url(self) -> str:
        return self.url + STREAM_PATH

    @property
    def snapshot_url(self) -> str:
        return self.url + SNAPSHOT_PATH

    async def start(self) -> None:
        """Bind and start serving; raises OSError if the address is unavailable."""
        if self._server is not None:
            raise RuntimeError("camera server already started")
        self._closing = False
        self._server = await asyncio.start_server(
            self._on_connect, self._host, self._port, limit=_MAX_REQUEST_HEAD
        )
        self._ticker = asyncio.create_task(self._tick(), name="camera-ticker")

    async def close(self) -> None:
        """Stop accepting, end every client connection and the ticker; idempotent."""
        if self._server is None:
            return
        self._closing = True
        self._server.close()
        tasks = [*self._clients, *([self._ticker] if self._ticker else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()
        self._server = self._ticker = None

    async def __aenter__(self) -> CameraServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- frames ------------------------------------------------------------------

    async def _grab_jpeg(self) -> bytes | None:
        """The source's current picture drawn and encoded (in a worker thread), or None while it is offline."""
        picture = self._source()
        if picture is None:
            return None
        return await asyncio.to_thread(self._encode, picture)

    def _encode(self, picture: Picture) -> bytes:
        frame = picture() if callable(picture) else picture
        ok, buf = cv2.imencode(".jpg", frame, self._jpeg_params)
        if not ok:
            raise ValueError(f"cannot encode frame of shape {frame.shape} as JPEG")
        return buf.tobytes()

    async def _tick(self) -> None:
        """Publish one shared chunk per period while anyone is streaming; skip missed ticks."""
        loop = asyncio.get_running_loop()
        deadline = loop.time()
        while True:
            deadline = max(deadline + self._period, loop.time())
            await asyncio.sleep(deadline - loop.time())
            if not self._subscribers:
                continue
            try:
                jpeg = await self._grab_jpeg()
            except Exception:
                _log.exception("camera frame source failed")
                continue
            if jpeg is None:
                continue
            head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
            self._chunk = head.encode("ascii") + jpeg + b"\r\n"
            self._seq += 1
            self._new_chunk.set()
            self._new_chunk = asyncio.Event()

    # -- connections -------------------------------------------------------------

    def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._closing:
            writer.transport.abort()
            return
        task = asyncio.create_task(self._serve(reader, writer))
        self._clients.add(task)
        task.add_done_callback(self._clients.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, path = await self._read_request(reader)
            if status is not HTTPStatus.OK:
                _respond(writer, status)
            elif path == STREAM_PATH:
                await self._stream(writer)
            elif path == SNAPSHOT_PATH:
                await self._snapshot(writer)
            else:
                _respond(writer, HTTPStatus.NOT_FOUND)
            async with asyncio.timeout(self._send_timeout):
                await writer.drain()
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client went away or stalled: just close
        except Exception:
            _log.exception("camera server: error serving a client")
        finally:
            if self._closing and writer.transport.get_write_buffer_size():
                writer.transport.abort()  # a stalled client must not hold up close()
            await _close_writer(writer, self._send_timeout)

    async def _read_request(self, reader: asyncio.StreamReader) -> tuple[HTTPStatus, str]:
        """Read one request head; return (OK, path) or the error status to answer with."""
        try:
            async with asyncio.timeout(self._request_timeout):
                head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, ""
        request_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        parts = request_line.split(" ")
        if len(parts) != 3:
            return HTTPStatus.BAD_REQUEST, ""
        method, target, version = parts
        try:
            path = urlsplit(target).path  # origin-form or absolute-form
        except ValueError:
            path = ""
        if (
            not _TOKEN.fullmatch(method)
            or not path.startswith("/")
            or version not in ("HTTP/1.0", "HTTP/1.1")
            or any(":" not in line for line in header_lines)
        ):
            return HTTPStatus.BAD_REQUEST, ""
        if method != "GET":
            return HTTPStatus.METHOD_NOT_ALLOWED, ""
        return HTTPStatus.OK, path

    async def _snapshot(self, writer: asyncio.StreamWriter) -> None:
        try:
            jpeg = await self._grab_jpeg()
        except Exception:
            _log.exception("camera frame source failed")
            _respond(writer, HTTPStatus.INTERNAL_SERVER_ERROR)
            return
        if jpeg is None:
            _respond(writer, HTTPStatus.SERVICE_UNAVAILABLE, b"camera offline\n", extra="Retry-After: 1\r\n")
        else:
            _respond(writer, HTTPStatus.OK, jpeg, content_type="image/jpeg", extra="Cache-Control: no-store\r\n")

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        """Send the newest chunk of every tick until cancelled; frames a slow client misses are skipped."""
        writer.write(_STREAM_HEAD)
        seen = self._seq  # start with the next fresh frame, never a stale one
        self._subscribers += 1
        try:
            while True:
                while self._seq == seen:
                    await self._new_chunk.wait()
                seen = self._seq
                writer.write(self._chunk)
                async with asyncio.timeout(self._send_timeout):
                    await writer.drain()
        except asyncio.CancelledError:
            if not writer.is_closing():
                writer.write(_STREAM_END)  # only ever cancelled between whole parts
            raise
        finally:
            self._subscribers -= 1


def _respond(
    writer: asyncio.StreamWriter,
    status: HTTPStatus,
    body: bytes | None = None,
    *,
    content_type: str = "text/plain; charset=utf-8",
    extra: str = "",
) -> None:
    """Write a complete response with ``Connection: close``; the body defaults to the status phrase."""
    if body is None:
        body = f"{status.value} {status.phrase}\n".encode("ascii")
    if status is HTTPStatus.METHOD_NOT_ALLOWED:
        extra += "Allow: GET\r\n"
    head = (
        f"HTTP/1.1 {status.value} {status.phrase}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"{extra}Connection: close\r\n\r\n"
    )
    writer.write(head.encode("ascii") + body)


async def _close_writer(writer: asyncio.StreamWriter, timeout: float) -> None:
    """Close gracefully (flushing what is buffered), or abort if that does not finish in time."""
    writer.close()
    try:
        async with asyncio.timeout(timeout):
            await writer.wait_closed()
    except (OSError, TimeoutError):
        writer.transport.abort()
