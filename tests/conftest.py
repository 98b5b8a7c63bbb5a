"""Shared fixtures: the shipped knowledge base, a matcher, and the Slack bot against a mock Web API: in process
(``chat``, see ``tests/slack_chat.py``) for what the bot says and records, or behind a real HTTP server (``bot``)
where the socket itself is the point."""

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

from bot.knowledge import SHIPPED_DIR, KnowledgeBase
from bot.matcher import Matcher
from bot.probe.ladder import system_resolver
from bot.probe.safety import literal_ip
from bot.reloader import fingerprint
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.slack.web import slack_wsgi
from bot.store.memory import MemoryStore
from tests.doubles.slack_api import MockSlackAPI
from tests.doubles.slack_requests import SECRET
from tests.slack_chat import SlackChat

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
        assert self.runtime.idle(timeout), "reply work did not finish"


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


# -- Slack in process: a chat with the real bot, requests handed to app.dispatch (tests/slack_chat.py) ------


_LOAD_PLAYBOOKS = KnowledgeBase.load
_LOADED: dict[tuple, KnowledgeBase] = {}


def _load_once(folder: Path | str | None = None, *args, **kwargs) -> KnowledgeBase:
    """``KnowledgeBase.load`` for chats: the same playbook files are parsed once per session (parsing takes
    longer than most chat tests); a changed folder is loaded again. A knowledge base is read-only."""
    if args or kwargs:
        return _LOAD_PLAYBOOKS(folder, *args, **kwargs)
    key = (str(folder or SHIPPED_DIR), fingerprint(Path(folder or SHIPPED_DIR)))
    if key not in _LOADED:
        _LOADED[key] = _LOAD_PLAYBOOKS(folder)
    return _LOADED[key]


@pytest.fixture(scope="session")
def _chat_api():
    """One mock Web API for every chat (starting and stopping one per test costs more than most chat tests);
    each test starts with it forgotten, and gets a new one after a test whose bot did not finish its work."""
    shared = {"api": MockSlackAPI().start()}
    yield shared
    shared["api"].stop()


@pytest.fixture
def chat_factory(_chat_api, monkeypatch):
    """Start chats with options (``services=``, ``env={"PROBE_AUTO": "1"}``, ``store=``, ``resolver=``...);
    the environment the test set (monkeypatch) applies too. All are stopped after the test."""
    api, chats = _chat_api["api"], []
    api.reset()
    monkeypatch.setattr(KnowledgeBase, "load", staticmethod(_load_once))

    def factory(services: str | None = None, env: dict | None = None, **runtime_options) -> SlackChat:
        runtime_options.setdefault("resolver", offline_resolver)
        chats.append(SlackChat.start(api, env, services, **runtime_options))
        return chats[-1]

    yield factory
    if not all([chat.close() for chat in chats]):  # work still running must not post into the next test's mock
        api.stop()
        _chat_api["api"] = MockSlackAPI().start()


@pytest.fixture
def chat(chat_factory) -> SlackChat:
    """A fresh chat with the bot: channel C1, user U1, a MemoryStore, the mock Web API as ``chat.api``."""
    return chat_factory()
