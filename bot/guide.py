"""The help the bot gives when asked (``help`` in the console, a mention or a DM, ``/predict-check help``).

A ``Guide`` is what a newcomer needs, taken from the running configuration: which services can be
probed, who may probe and how often. Renderers show it in Slack or as text, in the asker's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.probe.policy import ProbePolicy

HELP_WORDS = frozenset({"help", "usage", "?", "帮助", "怎么用", "使用说明", "用法"})
_MENTION = re.compile(r"<@[A-Z0-9]+>")
EXAMPLE = '413 {"error_code":"APIG.0201","error_msg":"Request entity too large"}'


def asks_for_help(text: str) -> bool:
    """Is the whole message a request for help (``@bot help``, ``帮助``)?"""
    words = _MENTION.sub(" ", text).strip().strip("`*_.!。！？ ").lower()
    return words in HELP_WORDS


@dataclass(frozen=True)
class Guide:
    """What the help says about this deployment."""

    services: tuple[str, ...]
    probes: bool
    """Whether live probes are set up at all."""
    users: tuple[str, ...]
    """Who may probe (empty: everyone)."""
    channels: tuple[str, ...]
    """Where probes are allowed (empty: everywhere)."""
    per_user: tuple[int, int]
    auto: bool


def guide(policy: ProbePolicy | None) -> Guide:
    if policy is None:
        return Guide((), False, (), (), (0, 0), False)
    s = policy.settings
    return Guide(
        services=tuple(sorted(policy.registry.services)),
        probes=True,
        users=tuple(sorted(s.users)),
        channels=tuple(sorted(s.channels)),
        per_user=s.per_user,
        auto=s.auto,
    )
