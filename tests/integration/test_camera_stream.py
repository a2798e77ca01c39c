"""The camera server over loopback: OpenCV reads the MJPEG stream; raw HTTP for the rest."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Callable

import cv2
import numpy as np
import pytest

from smarthall.simulators.camera import CameraServer, Optics, render
from smarthall.simulators.plant import CameraView, Part
from tests.waiting import until

TIMEOUT = 10.0
FRAME = render(CameraView(Part(id=3, color="red", defect=None, seed=11), 0.0), Optics(noise_sigma=0.0))


@pytest.fixture
async def server() -> AsyncIterator[CameraServer]:
    async with CameraServer(lambda: FRAME, "127.0.0.1", 0, fps=30) as camera:
        yield camera


async def request(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` and read the response to EOF: (status, lower-cased headers, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        data = await asyncio.wait_for(reader.read(), TIMEOUT)
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split(" ")[1]), headers, body


async def open_stream(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /camera/stream.mjpg HTTP/1.1\r\nHost: camera\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"Content-Type: multipart/x-mixed-replace; boundary=frame\r\n" in head
    return reader, writer


async def read_part(reader: asyncio.StreamReader) -> np.ndarray:
    """Read one multipart part and decode its JPEG."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    lines = head.decode("ascii").split("\r\n")
    assert lines[0] == "--frame" and "Content-Type: image/jpeg" in lines
    length = int(next(line for line in lines if line.startswith("Content-Length:")).split(":")[1])
    body = await asyncio.wait_for(reader.readexactly(length + 2), TIMEOUT)
    assert body.endswith(b"\r\n")
    return cv2.imdecode(np.frombuffer(body[:-2], np.uint8), cv2.IMREAD_COLOR)


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    await writer.wait_closed()


def read_frames_with_opencv(url: str, count: int) -> list[tuple[int, int, int]]:
    """Open ``url`` with cv2.VideoCapture (FFmpeg, bounded timeouts) and return frame shapes."""
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, 5000, cv2.CAP_PROP_READ_TIMEOUT_MSEC, 5000]
    capture = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
    try:
        assert capture.isOpened(), f"OpenCV could not open {url}"
        shapes = []
        for _ in range(count):
            ok, frame = capture.read()
            assert ok, "OpenCV read no frame"
            shapes.append(frame.shape)
        return shapes
    finally:
        capture.release()


async def test_opencv_reads_the_mjpeg_stream(server: CameraServer) -> None:
    shapes = await asyncio.wait_for(asyncio.to_thread(read_frames_with_opencv, server.stream_url, 3), 3 * TIMEOUT)
    assert shapes == [(480, 640, 3)] * 3


async def test_snapshot_is_one_jpeg_of_the_current_frame(server: CameraServer) -> None:
    status, headers, body = await request(server.port, b"GET /camera/snapshot.jpg HTTP/1.1\r\nHost: camera\r\n\r\n")
    assert status == 200
    assert headers["content-type"] == "image/jpeg" and int(headers["content-length"]) == len(body)
    frame = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
    assert frame.shape == (480, 640, 3)
    assert cv2.absdiff(frame, FRAME).mean() < 3


async def test_stream_parts_carry_the_frame(server: CameraServer) -> None:
    reader, writer = await open_stream(server.port)
    try:
        for _ in range(2):
            assert cv2.absdiff(await read_part(reader), FRAME).mean() < 3
    finally:
        await close(writer)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET /camera/nothing.jpg HTTP/1.1\r\nHost: camera\r\n\r\n", 404),
        (b"GET / HTTP/1.0\r\n\r\n", 404),
        (b"POST /camera/snapshot.jpg HTTP/1.1\r\nHost: camera\r\nContent-Length: 0\r\n\r\n", 405),
        (b"DELETE /camera/stream.mjpg HTTP/1.1\r\n\r\n", 405),
        (b"hello\r\n\r\n", 400),
        (b"GET /camera/snapshot.jpg SPDY/9\r\n\r\n", 400),
        (b"GET camera HTTP/1.1\r\n\r\n", 400),
        (b"GET /camera/snapshot.jpg HTTP/1.1\r\nno colon here\r\n\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
    ],
)
async def test_bad_requests_are_answered_with_an_error(server: CameraServer, raw: bytes, status: int) -> None:
    got, headers, body = await request(server.port, raw)
    assert got == status and int(headers["content-length"]) == len(body)
    if status == 405:
        assert headers["allow"] == "GET"


async def test_oversized_request_head_is_refused(server: CameraServer) -> None:
    raw = b"GET /camera/snapshot.jpg HTTP/1.1\r\nX-Junk: " + b"x" * 20000 + b"\r\n\r\n"
    got, _, _ = await request(server.port, raw)
    assert got == 431


async def test_a_picture_is_drawn_off_the_event_loop() -> None:
    """A source may return a function drawing the frame: it runs in a worker thread, so while it draws the
    server (and the plant stepping on the same loop) goes on: here it answers another request meanwhile."""
    drawing, release = threading.Event(), threading.Event()

    def draw() -> np.ndarray:
        drawing.set()
        release.wait(TIMEOUT)
        return FRAME

    async with CameraServer(lambda: draw, "127.0.0.1", 0, fps=1) as camera:
        try:
            snapshot = asyncio.create_task(request(camera.port, b"GET /camera/snapshot.jpg HTTP/1.1\r\n\r\n"))
            assert await asyncio.to_thread(drawing.wait, TIMEOUT)
            status, _, _ = await request(camera.port, b"GET /elsewhere HTTP/1.1\r\n\r\n")
            assert status == 404 and not snapshot.done()
        finally:
            release.set()
        status, _, body = await snapshot
    assert status == 200
    assert cv2.absdiff(cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR), FRAME).mean() < 3


async def test_offline_camera_answers_503_for_a_snapshot() -> None:
    async with CameraServer(lambda: None, "127.0.0.1", 0) as camera:
        status, headers, _ = await request(camera.port, b"GET /camera/snapshot.jpg HTTP/1.1\r\n\r\n")
    assert status == 503 and "retry-after" in headers


class SwitchableSource:
    """A flat grey frame of ``level``, or None while offline; counts calls made while offline."""

    def __init__(self) -> None:
        self.online = True
        self.level = 50
        self.offline_calls = 0
        self.offline_seen = asyncio.Event()

    def __call__(self) -> np.ndarray | None:
        if not self.online:
            self.offline_calls += 1
            if self.offline_calls >= 3:
                self.offline_seen.set()
            return None
        return np.full((480, 640, 3), self.level, np.uint8)


async def test_stream_stalls_while_offline_then_resumes() -> None:
    source = SwitchableSource()
    async with CameraServer(source, "127.0.0.1", 0, fps=60) as camera:
        reader, writer = await open_stream(camera.port)
        try:
            assert abs((await read_part(reader)).mean() - 50) < 3
            source.online = False
            await asyncio.wait_for(source.offline_seen.wait(), TIMEOUT)
            source.level, source.online = 200, True
            levels = [(await read_part(reader)).mean()]
            while levels[-1] < 150 and len(levels) < 10:
                levels.append((await read_part(reader)).mean())
        finally:
            await close(writer)
    assert levels[-1] == pytest.approx(200, abs=3)


def numbered_frames() -> Callable[[], np.ndarray]:
    """Noisy frames (large JPEGs) with a frame number in 12 black/white blocks along the top."""
    rng = np.random.default_rng(5)
    noise = [rng.integers(0, 256, (480, 640, 3), np.uint8) for _ in range(4)]
    count = 0

    def source() -> np.ndarray:
        nonlocal count
        count += 1
        frame = noise[count % 4].copy()
        for bit in range(12):
            frame[:40, bit * 48 : bit * 48 + 40] = 255 if count >> bit & 1 else 0
        return frame

    return source


def frame_number(frame: np.ndarray) -> int:
    return sum(1 << bit for bit in range(12) if frame[8:32, bit * 48 + 8 : bit * 48 + 32].mean() > 128)


async def test_stalled_client_skips_frames_and_does_not_block_others() -> None:
    async with CameraServer(numbered_frames(), "127.0.0.1", 0, fps=60, jpeg_quality=95) as camera:
        stalled_sock = socket.socket()
        stalled_sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled_sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(stalled_sock, ("127.0.0.1", camera.port))
        stalled_reader, stalled_writer = await asyncio.open_connection(sock=stalled_sock)
        reader, writer = await open_stream(camera.port)
        try:
            stalled_writer.write(b"GET /camera/stream.mjpg HTTP/1.1\r\n\r\n")
            await asyncio.wait_for(stalled_reader.readuntil(b"\r\n\r\n"), TIMEOUT)
            first = frame_number(await read_part(stalled_reader))
            numbers = [frame_number(await read_part(reader)) for _ in range(40)]  # the stalled one reads nothing
            assert numbers == sorted(set(numbers))
            caught_up = [frame_number(await read_part(stalled_reader))]
            while caught_up[-1] < numbers[-1]:
                caught_up.append(frame_number(await read_part(stalled_reader)))
        finally:
            await close(writer)
            await close(stalled_writer)
    received = [first, *caught_up]
    assert received == sorted(set(received))
    assert len(received) < caught_up[-1] - first + 1  # frames were skipped, not queued


async def test_close_ends_open_streams() -> None:
    camera = CameraServer(lambda: FRAME, "127.0.0.1", 0, fps=60)
    await camera.start()
    reader, writer = await open_stream(camera.port)
    try:
        await read_part(reader)
        await camera.close()
        rest = await asyncio.wait_for(reader.read(), TIMEOUT)
        assert rest.endswith(b"--frame--\r\n")
    finally:
        await camera.close()
        await close(writer)


async def test_busy_port_raises_oserror(server: CameraServer) -> None:
    with pytest.raises(OSError):
        await CameraServer(lambda: FRAME, "127.0.0.1", server.port).start()


@pytest.mark.parametrize("hops", range(6))
async def test_close_ends_a_stream_whatever_it_was_doing(hops: int) -> None:
    """close() cancels each stream task `hops` loop turns after a frame was grabbed: as the task writes, as its
    drain finishes, as it wakes. A cancellation lost in any of those turns left close() waiting forever."""
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task] = []
    grabs = 0

    def source() -> np.ndarray:
        nonlocal grabs
        grabs += 1
        if grabs == 3:  # the stream has had frames; the next turns are the race
            hop(hops)
        return FRAME

    def hop(left: int) -> None:
        if left:
            loop.call_soon(hop, left - 1)
        else:
            closing.append(asyncio.ensure_future(camera.close()))

    camera = CameraServer(source, "127.0.0.1", 0, fps=100)
    await camera.start()
    reader, writer = await open_stream(camera.port)
    try:
        reading = asyncio.ensure_future(reader.read())  # the client reads to the end
        await until(lambda: closing, timeout=TIMEOUT)
        async with asyncio.timeout(TIMEOUT):
            await closing[0]
            assert (await reading).endswith(b"--frame--\r\n")
    finally:
        await camera.close()
        await close(writer)
