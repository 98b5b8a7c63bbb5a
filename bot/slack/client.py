"""The Slack Web API client the bot uses: slack_sdk's own retry handlers, never blind for a post.

429 is retried as Slack asks (Retry-After): the call was not carried out. A dropped connection or a
5xx is retried for every method but ``chat.postMessage``, where Slack may have posted before the
failure: retrying blindly would answer twice. Such a post fails instead, and the inbox tries again
after looking in the thread for the answer (see ``bot.slack.responder``).
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

DEFAULT_API_URL = "https://slack.com/api/"
NOT_REPEATABLE = ("/chat.postMessage",)
"""Methods that create something each time they run: never repeated without knowing the first failed."""


class _Repeatable:
    """Mixin for a retry handler: no retry of a call that is not safe to repeat."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if request.url.split("?")[0].endswith(NOT_REPEATABLE):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class ConnectionRetry(_Repeatable, ConnectionErrorRetryHandler):
    """Retries dropped connections of calls that are safe to repeat."""


class ServerErrorRetry(_Repeatable, ServerErrorRetryHandler):
    """Retries 5xx answers of calls that are safe to repeat."""


def make_client(token: str, api_url: str | None = None, timeout: int = 10) -> WebClient:
    """A WebClient that honours Retry-After, and retries 5xx and connection errors where that cannot duplicate."""
    base_url = api_url or DEFAULT_API_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionRetry(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetry(max_retry_count=2),
        ],
    )
