"""Socket Mode transport: Bolt's handler, with each envelope's ack timed for the metrics."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.metrics import Metrics


class TimedSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler, timing each envelope's ack."""

    def __init__(self, app: App, app_token: str, metrics: Metrics):
        super().__init__(app, app_token=app_token)
        self.metrics = metrics

    def handle(self, client, req) -> None:
        with self.metrics.ack_seconds.time():
            super().handle(client, req)

    def connected(self) -> bool:
        return self.client.is_connected()
