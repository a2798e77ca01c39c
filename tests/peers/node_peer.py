"""Run a Node.js peer from tests/peers (installed from npm by `python3 dev.py test`) for a test module."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

PEERS = Path(__file__).resolve().parent


class NodePeer:
    """`with NodePeer("s7_server.js", *args) as url:` a server on a free port, stopped on exit.

    The script prints "ready URL" once it listens; anything else before that is its complaint.
    """

    def __init__(self, script: str, *args: str) -> None:
        self.command = [shutil.which("node") or "node", str(PEERS / script), "--port", "0", *args]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> str:
        if not (PEERS / "node_modules").is_dir():
            raise RuntimeError(f"{PEERS}/node_modules is missing: run `python3 dev.py test` (npm ci in {PEERS})")
        self.log = tempfile.TemporaryFile("w+")  # its warnings: a pipe nobody reads would fill and stop it
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=self.log, text=True)
        try:
            for line in self.process.stdout:  # the test's timeout bounds the wait
                if line.startswith("ready "):
                    return line.split()[1]
            self.log.seek(0)
            raise RuntimeError(f"{self.command[1]} stopped before it was ready: {self.log.read()[-2000:]}")
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.log.close()
        self.process = None
