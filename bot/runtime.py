"""Wires the running bot from its settings: knowledge base, store, probes, Slack app, and transport.

Both transports serve the same operations routes (``/healthz``, ``/readyz``, ``/metrics``): HTTP
mode next to ``/slack/events`` under waitress, Socket Mode on ``$HEALTH_PORT``. SIGHUP reloads
the playbooks; SIGTERM stops taking new work (new HTTP requests get 503, so Slack retries them
elsewhere; Socket Mode disconnects, so Slack redelivers), finishes the work in flight, then exits.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.metrics import Metrics
from bot.probe.ladder import Prober, Resolver, system_resolver
from bot.probe.policy import ProbePolicy
from bot.probe.registry import Registry, RegistryError
from bot.probe.safety import UrlRules
from bot.reloader import LiveKnowledge
from bot.settings import Settings, SettingsError
from bot.slack.app import build_app
from bot.slack.client import make_client
from bot.slack.responder import Responder
from bot.slack.web import ops_wsgi, slack_wsgi
from bot.store import Store
from bot.store.factory import open_store

log = logging.getLogger(__name__)
GRACE_S = 35.0
"""Longer than the longest probe (30 s), so work in flight can finish."""


@dataclass
class Runtime:
    app: App
    responder: Responder
    store: Store
    knowledge: LiveKnowledge
    metrics: Metrics
    socket: SocketModeHandler | None = None
    stopping: threading.Event = field(default_factory=threading.Event)

    def ready(self) -> tuple[bool, dict]:
        """Ready when Slack can reach us (socket connected, or HTTP) and state is kept (or safely degraded)."""
        store_up = self.store.ping()
        has_fallback = getattr(self.store, "fallback", None) is not None
        slack = "http" if self.socket is None else ("connected" if self.socket.client.is_connected() else "down")
        state = "ok" if store_up else ("degraded: process-local fallback" if has_fallback else "down")
        ok = not self.stopping.is_set() and slack != "down" and state != "down"
        return ok, {"ready": ok, "slack": slack, "store": state, "stopping": self.stopping.is_set()}

    def stop(self, grace_s: float = GRACE_S) -> bool:
        """Stop taking work, finish what is in flight (up to ``grace_s``), release the store."""
        self.stopping.set()
        if self.socket is not None:
            self.socket.close()  # unacked envelopes go back to Slack, which redelivers them
        finished = self.responder.drain(grace_s)
        if not finished:
            log.error("stopping with %d replies still in flight after %.0f s", self.responder.in_flight, grace_s)
        self.responder.pool.shutdown(wait=False, cancel_futures=True)  # nothing new starts on a closing store
        self.knowledge.stop()
        self.store.close()
        return finished

    def liveness(self) -> dict:
        """What /healthz says, without any I/O: the process answers, and the store's last known state."""
        degraded = bool(getattr(self.store, "degraded", False))
        return {
            "ok": True,
            "store": "degraded: process-local fallback" if degraded else "ok",
            "stopping": self.stopping.is_set(),
        }


def build_runtime(
    settings: Settings,
    playbooks: str | None = None,
    store: Store | None = None,
    services: str | None = None,
    resolver: Resolver = system_resolver,
) -> Runtime:
    """Everything but the transport. Raises ``SettingsError`` for bad settings or a token Slack refuses."""
    metrics = Metrics()
    knowledge = LiveKnowledge(
        playbooks, on_reload=lambda ok: metrics.reloads.labels(result="ok" if ok else "refused").inc()
    )
    if store is None:
        try:
            store = open_store(on_error=lambda op, exc: _store_error(metrics, op, exc))
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
    pool = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="reply")
    prober, policy = build_probe(knowledge, store, services, resolver)
    responder = Responder(knowledge, store, pool, prober, policy, metrics)
    client = make_client(settings.bot_token, settings.api_url)
    try:
        app = build_app(client, responder, settings.signing_secret)
    except Exception as exc:  # auth.test failed: a bad token, or Slack (SLACK_API_URL) unreachable
        raise SettingsError(
            f"Could not sign in to Slack with SLACK_BOT_TOKEN: {exc}. Copy the Bot User OAuth Token again "
            "(OAuth & Permissions) and check SLACK_API_URL if you set it."
        ) from None
    return Runtime(app, responder, store, knowledge, metrics)


def build_probe(matcher, store: Store, services: str | None = None, resolver: Resolver = system_resolver, env=None):
    """The prober and the policy in front of it, from the environment (SERVICES_FILE, PROBE_*, MODELARTS_*)."""
    env = os.environ if env is None else env
    try:
        registry = Registry.from_env(services, env)
        rules = UrlRules.from_env(env)
        policy = ProbePolicy.from_env(store, registry, env)
    except (RegistryError, ValueError) as exc:
        raise SettingsError(str(exc)) from None
    prober = Prober(matcher, rules, resolver, ca_file=env.get("PROBE_CA_BUNDLE"), control_plane=_control_plane(env))
    return prober, policy


def serve_http(settings: Settings, port: int, playbooks: str | None = None, services: str | None = None) -> int:
    """HTTP mode under waitress: one process (dedup state and reply pool live in it), many threads."""
    from waitress import create_server

    runtime = build_runtime(settings, playbooks, services=services)
    server = create_server(slack_wsgi(runtime), host="0.0.0.0", port=port, threads=16, ident="modelarts-triage")
    log.info("serving Slack events on http://0.0.0.0:%s/slack/events", server.effective_port)
    return _run_until_stopped(runtime, server.run, server.close)


def serve_socket(settings: Settings, playbooks: str | None = None, services: str | None = None) -> int:
    """Socket Mode: connect out to Slack; serve the operations routes on $HEALTH_PORT when set."""
    from waitress import create_server

    runtime = build_runtime(settings, playbooks, services=services)
    runtime.socket = TimedSocketModeHandler(runtime.app, settings.app_token, runtime.metrics)
    runtime.socket.connect()
    log.info("connected to Slack in Socket Mode")
    if not settings.health_port:
        return _run_until_stopped(runtime, None, None)
    server = create_server(ops_wsgi(runtime), host="0.0.0.0", port=settings.health_port, threads=4)
    return _run_until_stopped(runtime, server.run, server.close)


class TimedSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler, timing each envelope's ack for the metrics."""

    def __init__(self, app: App, app_token: str, metrics: Metrics):
        super().__init__(app, app_token=app_token)
        self.metrics = metrics

    def handle(self, client, req) -> None:
        with self.metrics.ack_seconds.time():
            super().handle(client, req)


def _run_until_stopped(runtime: Runtime, run, close) -> int:
    """Serve until SIGTERM/SIGINT, reloading playbooks on SIGHUP; then stop gracefully."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=runtime.knowledge.reload, daemon=True).start())
    runtime.knowledge.watch()
    if run is not None:
        threading.Thread(target=run, daemon=True, name="http").start()
    while not stop.wait(0.2):  # a timed wait keeps the main thread responsive to signals
        pass
    log.info("stopping: finishing the work in flight")
    finished = runtime.stop()
    if close is not None:
        close()
    log.info("stopped")
    return 0 if finished else 1


def _control_plane(env):
    if not env.get("MODELARTS_ENDPOINT"):
        return None  # not configured: skip importing the vendor SDK (most of a second)
    from bot.probe.control_plane import ControlPlane

    return ControlPlane.from_env(env)


def _store_error(metrics: Metrics, op: str, exc: Exception) -> None:
    metrics.store_errors.labels(op=op).inc()
    log.error("state store failed in %s (%s); using process-local state until it is back", op, type(exc).__name__)
