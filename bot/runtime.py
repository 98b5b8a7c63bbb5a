"""Wires the running bot from its settings: knowledge base, store, reply pool, Slack app, transport."""

from __future__ import annotations

import logging
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.probe.ladder import Prober, Resolver, system_resolver
from bot.probe.policy import ProbePolicy
from bot.probe.registry import Registry, RegistryError
from bot.probe.safety import UrlRules
from bot.settings import Settings, SettingsError
from bot.slack.app import build_app
from bot.slack.client import make_client
from bot.slack.responder import Responder
from bot.slack.web import health_app, slack_wsgi
from bot.store import Store
from bot.store.memory import MemoryStore

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    app: App
    responder: Responder
    store: Store


def build_runtime(
    settings: Settings,
    playbooks: str | None = None,
    store: Store | None = None,
    services: str | None = None,
    resolver: Resolver = system_resolver,
) -> Runtime:
    """Everything but the transport. Raises ``SettingsError`` when Slack refuses the bot token."""
    matcher = Matcher(KnowledgeBase.load(playbooks))
    store = store or MemoryStore()
    pool = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="reply")
    prober, policy = build_probe(lambda: matcher, store, services, resolver)
    responder = Responder(lambda: matcher, store, pool, prober, policy)
    client = make_client(settings.bot_token, settings.api_url)
    try:
        app = build_app(client, responder, settings.signing_secret)
    except Exception as exc:  # auth.test failed: a bad token, or Slack (SLACK_API_URL) unreachable
        raise SettingsError(
            f"Could not sign in to Slack with SLACK_BOT_TOKEN: {exc}. Copy the Bot User OAuth Token again "
            "(OAuth & Permissions) and check SLACK_API_URL if you set it."
        ) from None
    return Runtime(settings, app, responder, store)


def build_probe(matcher, store: Store, services: str | None = None, resolver: Resolver = system_resolver, env=None):
    """The prober and the policy in front of it, from the environment (SERVICES_FILE, PROBE_*, MODELARTS_*)."""
    env = os.environ if env is None else env
    try:
        registry = Registry.from_env(services, env)
        rules = UrlRules.from_env(env)
    except (RegistryError, ValueError) as exc:
        raise SettingsError(str(exc)) from None
    prober = Prober(matcher, rules, resolver, ca_file=env.get("PROBE_CA_BUNDLE"), control_plane=_control_plane(env))
    return prober, ProbePolicy.from_env(store, registry, env)


def _control_plane(env):
    if not env.get("MODELARTS_ENDPOINT"):
        return None  # not configured: skip importing the vendor SDK (most of a second)
    from bot.probe.control_plane import ControlPlane

    return ControlPlane.from_env(env)


def http_app():
    """WSGI factory for gunicorn (``gunicorn 'bot.runtime:http_app()'``): settings from the environment."""
    settings = Settings.from_env()
    settings.check("http")
    return slack_wsgi(build_runtime(settings).app)


def serve_http(settings: Settings, port: int, playbooks: str | None = None) -> int:
    """HTTP mode under gunicorn: one process (state and reply pool live there), many threads."""
    from gunicorn.app.base import BaseApplication

    runtime = build_runtime(settings, playbooks)  # fail fast, before gunicorn starts
    wsgi = slack_wsgi(runtime.app)

    class Server(BaseApplication):
        def load_config(self):
            for key, value in {
                "bind": f"0.0.0.0:{port}",
                "workers": 1,
                "worker_class": "gthread",
                "threads": 16,
                "timeout": 30,
                "graceful_timeout": 20,
                "accesslog": None,
            }.items():
                self.cfg.set(key, value)

        def load(self):
            return wsgi

    log.info("serving Slack events on http://0.0.0.0:%s/slack/events", port)
    Server().run()
    return 0


def serve_socket(settings: Settings, playbooks: str | None = None) -> int:
    """Socket Mode: connect out to Slack; serve health checks on $HEALTH_PORT when set."""
    runtime = build_runtime(settings, playbooks)
    handler = SocketModeHandler(runtime.app, app_token=settings.app_token)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    health = None
    if settings.health_port:
        health = make_server("0.0.0.0", settings.health_port, health_app(), WSGIServer, _QuietHandler)
        threading.Thread(target=health.serve_forever, daemon=True, name="health").start()
    handler.connect()
    log.info("connected to Slack in Socket Mode")
    stop.wait()
    handler.close()
    if health:
        health.shutdown()
    return 0


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass
