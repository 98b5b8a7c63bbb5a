"""The composition root: builds the running bot from its settings, and runs it until it is told to stop.

Knowledge base, store, probes, work pool, responder and Slack app are created here and nowhere
else. Both transports serve the same operations routes (``/healthz``, ``/readyz``, ``/metrics``):
HTTP mode next to ``/slack/events`` under waitress, Socket Mode on ``$HEALTH_PORT``. SIGHUP reloads
the playbooks; SIGTERM stops taking new work (new HTTP requests get 503, so Slack retries them
elsewhere; Socket Mode disconnects, so Slack redelivers), finishes the work in flight, then exits.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass, field

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError

from bot.channels import ChannelsError, load_channels
from bot.intake import Intake
from bot.metrics import Metrics
from bot.probe.desk import build_probes
from bot.probe.ladder import MAX_TOTAL_S, Resolver, system_resolver
from bot.reloader import LiveKnowledge
from bot.settings import Settings, SettingsError
from bot.slack.app import build_app
from bot.slack.client import make_client
from bot.slack.responder import Responder
from bot.slack.socket import TimedSocketModeHandler
from bot.slack.web import ops_wsgi, slack_wsgi
from bot.store import Store
from bot.store.factory import StoreUnavailableError, open_store, verify_writable
from bot.workpool import WorkPool

log = logging.getLogger(__name__)
SWITCH_INTERVAL_S = 0.001
"""How often Python hands the interpreter lock to another thread (5 ms by default): an ack waiting behind a
triage of a long paste gets its turn sooner."""
STORE_ERROR_LOG_S = 30.0
"""While the store keeps failing, one log line per this many seconds (the metric counts every failure)."""
GRACE_S = MAX_TOTAL_S + 15.0
"""How long a stop waits for work in flight: longer than the longest probe (30 s) plus its control-plane
lookup (two calls of at most 5 s)."""


@dataclass
class Runtime:
    app: App
    responder: Responder
    intake: Intake
    pool: WorkPool
    store: Store
    knowledge: LiveKnowledge
    metrics: Metrics
    socket: TimedSocketModeHandler | None = None
    stopping: threading.Event = field(default_factory=threading.Event)

    def ready(self) -> tuple[bool, dict]:
        """Ready when Slack can reach us (socket connected, or HTTP) and state is kept (or safely degraded)."""
        state = self.store.health()
        slack = "http" if self.socket is None else ("connected" if self.socket.connected() else "down")
        ok = not self.stopping.is_set() and slack != "down" and state != "down"
        return ok, {"ready": ok, "slack": slack, "store": state, "stopping": self.stopping.is_set()}

    def liveness(self) -> dict:
        """What /healthz says, without any I/O: the process answers, and the store's last known state."""
        store = "degraded: process-local fallback" if self.store.degraded else "ok"
        return {"ok": True, "store": store, "stopping": self.stopping.is_set()}

    def idle(self, timeout: float) -> bool:
        """Wait until every paste taken in so far is answered and every request worked off; False after ``timeout``."""
        started = time.monotonic()
        return self.intake.idle(timeout) and self.pool.drain(max(0.0, timeout - (time.monotonic() - started)))

    def stop(self, grace_s: float = GRACE_S) -> bool:
        """Stop taking work, finish what is in flight (up to ``grace_s``), release the store."""
        self.stopping.set()
        if self.socket is not None:
            self.socket.close()  # unacked envelopes go back to Slack, which redelivers them
        self.intake.stop()  # pastes not leased yet wait in the store for the next start, or another replica
        finished = self.pool.drain(grace_s)
        if not finished:
            log.error("stopping with %d replies still in flight after %.0f s", self.pool.in_flight, grace_s)
        self.pool.shutdown(wait=False, cancel_futures=True)  # nothing new starts on a closing store
        self.knowledge.stop()
        self.store.close()
        return finished


def build_runtime(settings: Settings, store: Store | None = None, resolver: Resolver = system_resolver) -> Runtime:
    """Everything but the transport. Raises ``SettingsError`` for bad settings or a token Slack refuses."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    metrics = Metrics()
    knowledge = LiveKnowledge(
        settings.playbooks_dir, on_reload=lambda ok: metrics.reloads.labels(result="ok" if ok else "refused").inc()
    )
    if store is None:
        try:
            store = open_store(settings.state_url, on_error=_store_errors(metrics))
            verify_writable(store, settings.state_url)
        except (ValueError, StoreUnavailableError) as exc:
            raise SettingsError(str(exc)) from None
        except (OSError, sqlite3.Error, RuntimeError) as exc:  # the SQLite file cannot be created or opened
            raise SettingsError(f"STATE_URL: the store cannot be opened ({type(exc).__name__}: {exc})") from None
    probes = build_probes(settings, knowledge, store, resolver)
    pool = WorkPool(settings.server.workers, name="reply")
    try:
        channels = load_channels(settings.channels_file)
    except ChannelsError as exc:
        raise SettingsError(f"CHANNELS_FILE: {exc}") from None
    responder = Responder(knowledge, store, probes, metrics, channels)
    client = make_client(settings.slack.bot_token, settings.slack.api_url)
    intake = Intake(
        store, pool, lambda job: responder.work(client, job), metrics, settings.intake, settings.server.workers
    )
    try:
        app = build_app(client, responder, intake, pool, metrics, settings.slack.signing_secret)
    except BoltError as exc:  # auth.test answered: Slack refused the token
        raise SettingsError(
            f"Could not sign in to Slack with SLACK_BOT_TOKEN: {exc}. Copy the Bot User OAuth Token again "
            "(OAuth & Permissions)."
        ) from None
    except (SlackClientError, OSError) as exc:  # auth.test never got an answer
        raise SettingsError(
            f"Slack could not be reached to check SLACK_BOT_TOKEN ({type(exc).__name__}: {exc}); "
            "check the network and SLACK_API_URL if you set it."
        ) from None
    metrics.count_inbox(store.backlog)
    intake.start()
    return Runtime(app, responder, intake, pool, store, knowledge, metrics)


def serve_http(settings: Settings) -> int:
    """HTTP mode under waitress: one process (dedup state and the work pool live in it), many threads."""
    from waitress import create_server

    runtime = build_runtime(settings)
    server = create_server(
        slack_wsgi(runtime),
        host="0.0.0.0",
        port=settings.server.port,
        threads=16,
        ident="modelarts-triage",
        max_request_body_size=1024 * 1024,  # bot.slack.web.MAX_BODY_BYTES: a longer (or chunked) body gets 413
    )
    log.info("serving Slack events on http://0.0.0.0:%s/slack/events", server.effective_port)
    return _run_until_stopped(runtime, server.run, server.close)


def serve_socket(settings: Settings) -> int:
    """Socket Mode: connect out to Slack; serve the operations routes on $HEALTH_PORT when set."""
    from waitress import create_server

    runtime = build_runtime(settings)
    runtime.socket = TimedSocketModeHandler(runtime.app, settings.slack.app_token, runtime.metrics)
    runtime.socket.connect()
    log.info("connected to Slack in Socket Mode")
    if not settings.server.health_port:
        return _run_until_stopped(runtime, None, None)
    server = create_server(
        ops_wsgi(runtime),
        host="0.0.0.0",
        port=settings.server.health_port,
        threads=4,
        max_request_body_size=1024 * 1024,  # GET routes only: no body is worth spooling
    )
    return _run_until_stopped(runtime, server.run, server.close)


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


def _store_errors(metrics: Metrics):
    """Counts every store failure; logs the first, then at most one line per ``STORE_ERROR_LOG_S``."""
    last_logged = [float("-inf")]

    def on_error(op: str, exc: Exception) -> None:
        metrics.store_errors.labels(op=op).inc()
        if time.monotonic() - last_logged[0] >= STORE_ERROR_LOG_S:
            last_logged[0] = time.monotonic()
            log.error("state store failed in %s (%s: %s); using process-local state until it is back",
                      op, type(exc).__name__, exc)  # fmt: skip

    return on_error
