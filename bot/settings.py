"""Runtime settings from the environment, checked at start with messages that say how to fix them."""

from __future__ import annotations

import os
from dataclasses import dataclass

APPS_PAGE = "https://api.slack.com/apps"


class SettingsError(Exception):
    """One or more settings are missing or malformed; the message lists each with its fix."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    app_token: str | None
    signing_secret: str | None
    api_url: str | None
    port: int
    health_port: int | None
    workers: int

    @classmethod
    def from_env(cls, env=None) -> Settings:
        env = os.environ if env is None else env
        problems = []

        def number(name: str, default: int | None) -> int | None:
            raw = env.get(name)
            if raw in (None, ""):
                return default
            if not raw.isdigit() or not 0 < int(raw) < 65536:
                problems.append(f"{name}={raw!r} is not a number between 1 and 65535.")
                return default
            return int(raw)

        settings = cls(
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            api_url=env.get("SLACK_API_URL") or None,
            port=number("PORT", 3000),
            health_port=number("HEALTH_PORT", None),
            workers=number("REPLY_WORKERS", 32),
        )
        if problems:
            raise SettingsError("\n".join(problems))
        return settings

    @property
    def has_slack(self) -> bool:
        return bool(self.bot_token or self.app_token or self.signing_secret)

    def mode(self, forced: str | None = None) -> str:
        """``socket`` when an app-level token is set (or forced), else ``http``."""
        return forced or ("socket" if self.app_token else "http")

    def check(self, mode: str) -> None:
        """Raise ``SettingsError`` naming every setting ``mode`` needs that is missing or wrong."""
        problems = []
        if not self.bot_token:
            problems.append(
                f"SLACK_BOT_TOKEN is not set. Install the app to your workspace ({APPS_PAGE} -> your app -> "
                "OAuth & Permissions) and copy the Bot User OAuth Token (xoxb-...)."
            )
        elif not self.bot_token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN must be the bot token (starts with xoxb-), from OAuth & Permissions.")
        if mode == "socket":
            if not self.app_token:
                problems.append(
                    f"SLACK_APP_TOKEN is not set; Socket Mode needs it. Create an app-level token with the "
                    f"connections:write scope ({APPS_PAGE} -> your app -> Basic Information -> App-Level Tokens)."
                )
            elif not self.app_token.startswith("xapp-"):
                problems.append("SLACK_APP_TOKEN must be an app-level token (starts with xapp-).")
        elif not self.signing_secret:
            problems.append(
                f"SLACK_SIGNING_SECRET is not set; HTTP mode needs it to verify that requests come from Slack. "
                f"Copy it from {APPS_PAGE} -> your app -> Basic Information -> App Credentials -> Signing Secret."
            )
        if self.api_url and not self.api_url.startswith(("http://", "https://")):
            problems.append("SLACK_API_URL must be an http(s) URL, e.g. https://slack.com/api/")
        if problems:
            raise SettingsError("\n".join(problems))
