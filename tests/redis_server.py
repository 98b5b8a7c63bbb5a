"""Starts a throwaway redis-server on a free loopback port for tests, and stops it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

START_TIMEOUT_S = 10.0


def redis_server_binary() -> str:
    """The redis-server executable, installed from Debian's packages when missing and we may (root)."""
    found = shutil.which("redis-server") or shutil.which("/usr/bin/redis-server")
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "timeout": 600}
        subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], check=False, env=env, **quiet)
        found = shutil.which("redis-server") or shutil.which("/usr/bin/redis-server")
    if found is None:
        pytest.fail(
            "redis-server is not installed, and the Redis tests need a real one: run `apt-get install redis-server`.",
            pytrace=False,
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server process with no persistence, in its own temporary directory."""

    def __init__(self) -> None:
        self.port = free_port()
        self._dir = tempfile.mkdtemp(prefix="redis-test-")
        self._log = Path(self._dir) / "redis.log"
        self._process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        """Start it (again, on the same port, empty: nothing is persisted)."""
        command = [redis_server_binary(), "--save", "", "--appendonly", "no", "--port", str(self.port),
                   "--bind", "127.0.0.1", "--dir", self._dir, "--logfile", str(self._log)]  # fmt: skip
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        try:
            self._wait_until_up()
        except BaseException:
            self.close()
            raise

    def flush(self) -> None:
        with redis.Redis.from_url(self.url) as client:
            client.flushdb()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _wait_until_up(self) -> None:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5)
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while True:
                if self._process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {self._process.returncode}:\n{self.log()}")
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"redis-server did not answer PING:\n{self.log()}") from None
                    time.sleep(0.02)
        finally:
            client.close()

    def log(self) -> str:
        return self._log.read_text(errors="replace") if self._log.exists() else "(no log)"

    def stop(self) -> None:
        """Stop the server (it can be started again)."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        yield server
    finally:
        server.close()
