"""Per-channel behaviour, set by an admin in ``CHANNELS_FILE`` (YAML)::

    channels:
      C0123ABCD:          # a channel id (Slack: channel details -> the id at the bottom)
        answer: mentions  # "every" paste (the default) or only when the bot is "mentions"-ed
        auto_probe: true  # probe a registered service named in a paste at once (default: PROBE_AUTO)

Read once at start, bounded and without aliases (``admin_file``); every problem is reported at once,
naming the file, the line and the field. Channels not listed behave as the defaults say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.admin_file import FileProblem, load_yaml, read_bounded
from bot.playbook import line_of

MAX_BYTES = 256 * 1024
ANSWER_MODES = ("every", "mentions")
_CHANNEL_ID = re.compile(r"^[CDG][A-Z0-9]{1,30}$")


class ChannelsError(Exception):
    """The channels file is unusable; the message names the file, line and field of each problem."""


@dataclass(frozen=True)
class ChannelRule:
    answer: str = "every"
    auto_probe: bool | None = None
    """None: as ``PROBE_AUTO`` says."""

    @property
    def unprompted(self) -> bool:
        """Whether the bot answers pastes that do not mention it."""
        return self.answer == "every"


DEFAULT = ChannelRule()


@dataclass(frozen=True)
class Channels:
    rules: dict[str, ChannelRule]

    def rule(self, channel: str | None) -> ChannelRule:
        return self.rules.get(channel or "", DEFAULT)


def load_channels(path: Path | None) -> Channels:
    """The rules of ``path`` (none: every channel behaves as the defaults say)."""
    if path is None:
        return Channels({})
    try:
        text = read_bounded(path, MAX_BYTES).decode("utf-8")
        doc = load_yaml(text) or {}
    except (FileProblem, UnicodeDecodeError) as exc:
        line = getattr(exc, "line", 0)
        raise ChannelsError(f"{path}{f':{line}' if line else ''}: {exc}") from None
    problems: list[str] = []

    def problem(where: list, message: str) -> None:
        problems.append(f"{path}:{line_of(text, where)}: {message}")

    channels = doc.get("channels") if isinstance(doc, dict) else None
    if not isinstance(channels, dict) or set(doc) != {"channels"}:
        raise ChannelsError(f"{path}:1: the file must hold one mapping, `channels:`, of channel ids to their rules")
    rules = {}
    for channel, entry in channels.items():
        where = ["channels", channel]
        if not isinstance(channel, str) or not _CHANNEL_ID.match(channel):
            line = next((n for n, row in enumerate(text.splitlines(), 1) if row.strip().startswith(f"{channel}:")), 1)
            problems.append(f"{path}:{line}: {channel!r} is not a channel id (like C0123ABCD)")
            continue
        if not isinstance(entry, dict):
            problem(where, f"{channel}: give `answer` and/or `auto_probe`")
            continue
        for key in sorted(set(entry) - {"answer", "auto_probe"}):
            problem([*where, key], f"{channel}: unknown field `{key}` (fields: answer, auto_probe)")
        answer = entry.get("answer", "every")
        if answer not in ANSWER_MODES:
            problem([*where, "answer"], f"{channel}: answer must be one of {', '.join(ANSWER_MODES)}")
        auto = entry.get("auto_probe")
        if auto is not None and not isinstance(auto, bool):
            problem([*where, "auto_probe"], f"{channel}: auto_probe must be true or false")
        rules[channel] = ChannelRule(
            answer if answer in ANSWER_MODES else "every", auto if isinstance(auto, bool) else None
        )
    if problems:
        raise ChannelsError("\n".join(problems))
    return Channels(rules)
