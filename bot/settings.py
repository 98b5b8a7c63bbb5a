"""The bot's configuration: every environment variable, read once here, checked together, handed out by section.

``Settings.from_env()`` reads the environment and reports every problem at once, each naming its
variable and how to fix it. Modules receive their section (``settings.probe``, ``settings.slack``...)
and never read the environment themselves. ``VARIABLES`` documents each variable; the README's
settings table is generated from it (and a test keeps the two in step).
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

APPS_PAGE = "https://api.slack.com/apps"
DEFAULT_ALLOWED_HOSTS = ("*.apig.*.huaweicloudapis.com", "*.apig.*.myhuaweicloud.com", "*.modelarts-maas.com")
DEFAULT_STATE_URL = "sqlite:///state/bot.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(Exception):
    """One or more settings are missing or malformed; the message lists each with its fix."""


@dataclass(frozen=True)
class Variable:
    """One environment variable the bot reads: the row of the README's settings table."""

    name: str
    default: str
    meaning: str


VARIABLES: tuple[Variable, ...] = (
    Variable("SLACK_BOT_TOKEN", "", "Bot User OAuth Token (`xoxb-…`). Without any `SLACK_*` setting, `python -m bot` starts the local console."),
    Variable("SLACK_APP_TOKEN", "", "App-level token (`xapp-…`, scope `connections:write`); when set, `serve` uses Socket Mode."),
    Variable("SLACK_SIGNING_SECRET", "", "Signing secret; HTTP mode needs it to verify Slack's requests."),
    Variable("SLACK_API_URL", "https://slack.com/api/", "Where the Web API is (a proxy, or a test double)."),
    Variable("PORT", "3000", "HTTP mode: the port for `/slack/events` and the operations routes."),
    Variable("HEALTH_PORT", "", "Socket Mode: the port for `/healthz`, `/readyz` and `/metrics` (none when unset)."),
    Variable("REPLY_WORKERS", "32", "Threads that answer pastes after the ack."),
    Variable("INTAKE_LEASE_S", "120", "Seconds a replica holds a paste it is answering; one that died has its pastes taken over after that."),
    Variable("INTAKE_RETRY_S", "2", "First wait before answering again after Slack failed (doubling each time, at most 5 minutes)."),
    Variable("INTAKE_ATTEMPTS", "8", "Attempts at answering a paste before giving up on it (logged and counted)."),
    Variable("STATE_URL", DEFAULT_STATE_URL, "The state store: `sqlite:///relative/path`, `sqlite:////absolute/path`, `redis://host:port/db`, `rediss://…` or `memory://`."),
    Variable("PLAYBOOKS_DIR", "the shipped playbooks", "The knowledge base folder (`--playbooks` overrides it)."),
    Variable("SERVICES_FILE", "", "The services registry the bot may probe (`--services` overrides it)."),
    Variable("CHANNELS_FILE", "", "Per-channel behaviour: answer every paste or only when mentioned, probe automatically."),
    Variable("LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING, ERROR or CRITICAL."),
    Variable("PROBE_ALLOWED_HOSTS", ",".join(DEFAULT_ALLOWED_HOSTS), "Host patterns a URL pasted in chat may be probed on (comma-separated, `*` wildcards)."),
    Variable("PROBE_ALLOWED_NETS", "", "Private networks probes may reach, e.g. `10.8.0.0/16` for VPC endpoints (comma-separated CIDRs)."),
    Variable("PROBE_CA_BUNDLE", "", "A CA bundle to trust in probes, on top of the system's."),
    Variable("PROBE_USERS", "", "Slack user ids allowed to probe (comma-separated); everyone when unset."),
    Variable("PROBE_CHANNELS", "", "Channel ids where probes are allowed (comma-separated); everywhere when unset."),
    Variable("PROBE_USER_LIMIT", "3/60", "Probes per user: COUNT/SECONDS."),
    Variable("PROBE_CHANNEL_LIMIT", "10/60", "Probes per channel: COUNT/SECONDS."),
    Variable("PROBE_AUTO", "0", "1: a paste naming a registered service is probed at once instead of offering the button."),
    Variable("MODELARTS_ENDPOINT", "", "ModelArts management API, e.g. `https://modelarts.cn-north-4.myhuaweicloud.com`: probes then show the service's state and events."),
    Variable("MODELARTS_PROJECT_ID", "", "The project id for the management API."),
    Variable("MODELARTS_REGION", "from the endpoint", "The region, where the endpoint's host does not say it."),
    Variable("HUAWEICLOUD_SDK_AK", "", "Access key for the management API (with `HUAWEICLOUD_SDK_SK`)."),
    Variable("HUAWEICLOUD_SDK_SK", "", "Secret key for the management API."),
)  # fmt: skip
"""Every variable the bot reads; services files name further ones (``*_env``) for their credentials."""


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    api_url: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.bot_token or self.app_token or self.signing_secret)

    def mode(self, forced: str | None = None) -> str:
        """``socket`` when an app-level token is set (or forced), else ``http``."""
        return forced or ("socket" if self.app_token else "http")

    def check(self, mode: str) -> None:
        """Raise ``SettingsError`` naming every setting ``mode`` needs that is missing or wrong."""
        problems = [*self._token_problems()]
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
        if problems:
            raise SettingsError("\n".join(problems))

    def _token_problems(self):
        if not self.bot_token:
            yield (
                f"SLACK_BOT_TOKEN is not set. Install the app to your workspace ({APPS_PAGE} -> your app -> "
                "OAuth & Permissions) and copy the Bot User OAuth Token (xoxb-...)."
            )
        elif not self.bot_token.startswith("xoxb-"):
            yield "SLACK_BOT_TOKEN must be the bot token (starts with xoxb-), from OAuth & Permissions."


@dataclass(frozen=True)
class ServerSettings:
    port: int = 3000
    health_port: int | None = None
    workers: int = 32


@dataclass(frozen=True)
class IntakeSettings:
    """How pastes taken in are worked: leases, and retries after Slack failed."""

    lease_s: float = 120.0
    retry_s: float = 2.0
    attempts: int = 8


@dataclass(frozen=True)
class ProbeSettings:
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    allowed_nets: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    ca_bundle: str | None = None
    users: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    per_user: tuple[int, int] = (3, 60)
    per_channel: tuple[int, int] = (10, 60)
    auto: bool = False


@dataclass(frozen=True)
class ControlPlaneSettings:
    endpoint: str = ""
    project_id: str = ""
    region: str = ""
    ak: str = field(default="", repr=False)
    sk: str = field(default="", repr=False)

    @property
    def configured(self) -> bool:
        return bool(self.endpoint and self.project_id and self.ak and self.sk)


class Secrets:
    """The environment's values, for the variables a services file names (``token_env``...); never printed."""

    def __init__(self, values: Mapping[str, str] | None = None):
        self._values = dict(values or {})

    def get(self, name: str) -> str | None:
        return self._values.get(name) or None

    def __repr__(self) -> str:
        return "Secrets(…)"


@dataclass(frozen=True)
class Settings:
    """The whole configuration, by section."""

    slack: SlackSettings = SlackSettings()
    server: ServerSettings = ServerSettings()
    intake: IntakeSettings = IntakeSettings()
    probe: ProbeSettings = ProbeSettings()
    control_plane: ControlPlaneSettings = ControlPlaneSettings()
    state_url: str | None = None
    """None: ``DEFAULT_STATE_URL``, and the store says it was not set."""
    playbooks_dir: Path | None = None
    """None: the playbooks shipped with the bot."""
    services_file: Path | None = None
    channels_file: Path | None = None
    log_level: str = "INFO"
    secrets: Secrets = field(default_factory=Secrets, compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every variable of ``VARIABLES`` (from ``os.environ`` by default); ``SettingsError`` lists all problems."""
        reader = _Reader(os.environ if env is None else env)
        settings = reader.settings()
        if reader.problems:
            raise SettingsError("\n".join(reader.problems))
        return settings


class _Reader:
    """Parses variables, collecting a problem per bad one instead of stopping at the first."""

    def __init__(self, env: Mapping[str, str]):
        self.env = env
        self.problems: list[str] = []

    def settings(self) -> Settings:
        return Settings(
            slack=SlackSettings(
                bot_token=self.text("SLACK_BOT_TOKEN"),
                app_token=self.text("SLACK_APP_TOKEN"),
                signing_secret=self.text("SLACK_SIGNING_SECRET"),
                api_url=self.url("SLACK_API_URL"),
            ),
            server=ServerSettings(
                port=self.port("PORT") or 3000,
                health_port=self.port("HEALTH_PORT"),
                workers=self.port("REPLY_WORKERS") or 32,
            ),
            intake=IntakeSettings(
                lease_s=self.seconds("INTAKE_LEASE_S", 120.0),
                retry_s=self.seconds("INTAKE_RETRY_S", 2.0),
                attempts=self.port("INTAKE_ATTEMPTS") or 8,
            ),
            probe=self.probe(),
            control_plane=self.control_plane(),
            state_url=self.text("STATE_URL"),
            playbooks_dir=self.path("PLAYBOOKS_DIR"),
            services_file=self.path("SERVICES_FILE"),
            channels_file=self.path("CHANNELS_FILE"),
            log_level=self.log_level(),
            secrets=Secrets(self.env),
        )

    def probe(self) -> ProbeSettings:
        return ProbeSettings(
            allowed_hosts=tuple(h.lower() for h in self.items("PROBE_ALLOWED_HOSTS")) or DEFAULT_ALLOWED_HOSTS,
            allowed_nets=tuple(self.networks("PROBE_ALLOWED_NETS")),
            ca_bundle=self.text("PROBE_CA_BUNDLE"),
            users=frozenset(self.items("PROBE_USERS")),
            channels=frozenset(self.items("PROBE_CHANNELS")),
            per_user=self.limit("PROBE_USER_LIMIT", (3, 60)),
            per_channel=self.limit("PROBE_CHANNEL_LIMIT", (10, 60)),
            auto=self.flag("PROBE_AUTO"),
        )

    def control_plane(self) -> ControlPlaneSettings:
        return ControlPlaneSettings(
            endpoint=(self.text("MODELARTS_ENDPOINT") or "").rstrip("/"),
            project_id=self.text("MODELARTS_PROJECT_ID") or "",
            region=self.text("MODELARTS_REGION") or "",
            ak=self.text("HUAWEICLOUD_SDK_AK") or "",
            sk=self.text("HUAWEICLOUD_SDK_SK") or "",
        )

    def text(self, name: str) -> str | None:
        return (self.env.get(name) or "").strip() or None

    def items(self, name: str) -> list[str]:
        return [x.strip() for x in (self.env.get(name) or "").split(",") if x.strip()]

    def path(self, name: str) -> Path | None:
        raw = self.text(name)
        return Path(raw) if raw else None

    def flag(self, name: str) -> bool:
        raw = (self.text(name) or "0").lower()
        if raw not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            self.problems.append(f"{name}={raw!r} must be 1 or 0 (true/false, yes/no, on/off).")
        return raw in ("1", "true", "yes", "on")

    def url(self, name: str) -> str | None:
        raw = self.text(name)
        if raw and not raw.startswith(("http://", "https://")):
            self.problems.append(f"{name} must be an http(s) URL, e.g. https://slack.com/api/")
        return raw

    def port(self, name: str) -> int | None:
        raw = self.text(name)
        if raw is None:
            return None
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            self.problems.append(f"{name}={raw!r} is not a number between 1 and 65535.")
            return None
        return int(raw)

    def seconds(self, name: str, default: float) -> float:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0 < value < 86400:
            self.problems.append(f"{name}={raw!r} must be a number of seconds above 0, e.g. {default:g}.")
            return default
        return value

    def limit(self, name: str, default: tuple[int, int]) -> tuple[int, int]:
        """``"3/60"`` -> three per 60 s."""
        raw = self.text(name)
        if raw is None:
            return default
        count, _, window = raw.partition("/")
        if not count.isdigit() or not (window or "60").isdigit() or int(window or 60) == 0:
            self.problems.append(f"{name}={raw!r} must be COUNT/SECONDS, e.g. 3/60 (three probes a minute).")
            return default
        return int(count), int(window or 60)

    def networks(self, name: str):
        for item in self.items(name):
            try:
                yield ipaddress.ip_network(item)
            except ValueError as exc:
                self.problems.append(f"{name}: {item!r} is not a network in CIDR form ({exc}).")

    def log_level(self) -> str:
        raw = self.text("LOG_LEVEL") or "INFO"
        if logging.getLevelNamesMapping().get(raw.upper()) is None:
            self.problems.append(f"LOG_LEVEL={raw!r} is not a log level; use one of {', '.join(LOG_LEVELS)}.")
            return "INFO"
        return raw.upper()


def settings_table() -> str:
    """The README's settings table (Markdown), from ``VARIABLES``."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for v in VARIABLES:
        default = f"`{v.default}`" if v.default and " " not in v.default else (v.default or "")
        rows.append(f"| `{v.name}` | {default} | {v.meaning} |")
    return "\n".join(rows) + "\n"
