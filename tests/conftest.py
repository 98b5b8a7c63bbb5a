"""Shared fixtures: the shipped knowledge base, a matcher, and a running Slack bot against a mock Web API."""

from __future__ import annotations

import json
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.probe.ladder import system_resolver
from bot.probe.safety import literal_ip
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.slack.web import slack_wsgi
from bot.store.memory import MemoryStore
from tests.doubles.slack_api import MockSlackAPI
from tests.doubles.slack_requests import SECRET

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="session")
def matcher(kb) -> Matcher:
    return Matcher(kb)


def read_jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def chatter() -> list[str]:
    lines = (DATA / "chatter.txt").read_text(encoding="utf-8").splitlines()
    return [line.replace("\\n", "\n") for line in lines if line.strip() and not line.startswith("#")]


# -- Slack: a running bot (real Bolt app behind a real HTTP server) against the mock Web API --------


ENV_TO_CLEAR = ("PLAYBOOKS_DIR", "PORT", "HEALTH_PORT", "STATE_URL", "SERVICES_FILE")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No Slack settings or proxies from the machine leak into a test (a proxy would hijack loopback calls)."""
    for name in list(os.environ):
        if name.startswith("SLACK_") or name.lower().endswith("_proxy") or name in ENV_TO_CLEAR:
            monkeypatch.delenv(name, raising=False)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def offline_resolver(host: str, port: int) -> list[str]:
    """Tests send no DNS query out: loopback names and IP literals only."""
    if host == "localhost" or literal_ip(host) is not None:
        return system_resolver(host, port)
    raise socket.gaierror(socket.EAI_NONAME, f"{host}: tests resolve no public names")


@dataclass
class RunningBot:
    runtime: Runtime
    api: MockSlackAPI
    base: str

    @property
    def events(self) -> str:
        return self.base + "/slack/events"

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until the bot has finished all work started so far."""
        assert self.runtime.pool.drain(timeout), "reply work did not finish"


@pytest.fixture
def slack_api():
    api = MockSlackAPI().start()
    yield api
    api.stop()


def start_bot(api: MockSlackAPI, services: str | None = None, **runtime_options) -> tuple[RunningBot, WSGIServer]:
    """A bot configured the way a deployment is (from the environment, which tests set), against ``api``."""
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api.url}
    if services:
        env["SERVICES_FILE"] = services
    runtime_options.setdefault("store", MemoryStore())
    runtime_options.setdefault("resolver", offline_resolver)
    runtime = build_runtime(Settings.from_env(env), **runtime_options)
    server = make_server("127.0.0.1", 0, slack_wsgi(runtime), _ThreadingWSGIServer, _QuietHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return RunningBot(runtime, api, f"http://127.0.0.1:{server.server_port}"), server


@pytest.fixture
def bot_factory(slack_api):
    """Start bots with options (services file, resolver...); all are stopped after the test."""
    servers = []

    def factory(**options) -> RunningBot:
        running, server = start_bot(slack_api, **options)
        servers.append((running, server))
        return running

    yield factory
    for running, server in servers:
        server.shutdown()
        server.server_close()
        running.runtime.pool.shutdown(wait=False, cancel_futures=True)


@pytest.fixture
def bot(bot_factory):
    return bot_factory()
