"""Local console: paste an error, read the answer the bot would give in a direct message, as text.

In a terminal a paste is complete when the input goes quiet for a moment, so multi-line
pastes (curl output, tracebacks) need no end marker. Piped input is read whole as one paste.
"""

from __future__ import annotations

import os
import select
import sys

from bot.matcher import Matcher
from bot.probe.desk import Probes
from bot.render.text import render_probe_text, render_triage_text
from bot.slack.protocol import COMMAND
from bot.triage import triage

QUIET_SECONDS = 0.35
BANNER = (
    "ModelArts prediction triage - local console ({n} playbooks).\n"
    "Paste an error, a curl/traceback dump or a prediction URL; the answer follows. "
    "`/predict-check NAME|URL` probes a service. Type /quit (or Ctrl-D) to leave.\n"
)


def run_console(matcher: Matcher, probes: Probes, stdin=None, stdout=None) -> int:
    """Answer pastes (and ``/predict-check NAME|URL``) the way the bot would answer a direct message, as text."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if not stdin.isatty():
        stdout.write(_answer(matcher, probes, stdin.buffer.read().decode("utf-8", "replace")))
        return 0
    stdout.write(BANNER.format(n=len(matcher.kb)))
    fd = stdin.fileno()
    while True:
        stdout.write("\npaste> ")
        stdout.flush()
        paste = _read_paste(fd)
        if paste is None or paste.strip() in ("/quit", "/exit"):
            stdout.write("\nbye\n")
            return 0
        if paste.strip():
            stdout.write("\n" + _answer(matcher, probes, paste))


def _answer(matcher: Matcher, probes: Probes, paste: str) -> str:
    command, _, arg = paste.strip().partition(" ")
    if command == COMMAND:
        return render_probe_text(probes.run(arg))
    return render_triage_text(triage(paste, matcher, addressed=True, policy=probes.policy))


def _read_paste(fd: int) -> str | None:
    """Read until the input has been quiet for ``QUIET_SECONDS``; None on end of input."""
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks).decode("utf-8", "replace") if chunks else None
        chunks.append(chunk)
        ready, _, _ = select.select([fd], [], [], QUIET_SECONDS)
        if not ready:
            return b"".join(chunks).decode("utf-8", "replace")
