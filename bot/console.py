"""Local console: paste an error, read the answer the bot would give in a direct message, as text.

In a terminal, prompt_toolkit edits the line and keeps a history (Up and Down; kept across runs in
``~/.modelarts_triage_history`` with credentials masked by ``bot.redact``). A multi-line paste (curl output, a
traceback, JSON) is one paste: the terminal brackets it, so it lands as one insert and is answered at once; where
the terminal does not bracket pastes, an Enter with more text already waiting behind it is a line break, not a
submit. Enter on a typed line submits it. Ctrl-D, ``/quit`` and ``/exit`` leave, and so does Ctrl-C on an empty
line; Ctrl-C clears a line being typed, or stops an answer still being worked out. Piped input (no terminal) is
read whole as one paste and answered once.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
from pathlib import Path
from typing import TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.application import get_app
from prompt_toolkit.enums import DEFAULT_BUFFER
from prompt_toolkit.filters import Condition, has_focus
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys

from bot.guide import asks_for_help, guide
from bot.matcher import Matcher
from bot.probe.desk import Probes
from bot.redact import redact
from bot.render.text import render_help_text, render_probe_text, render_triage_text
from bot.slack.protocol import COMMAND
from bot.triage import triage

HISTORY_FILE = "~/.modelarts_triage_history"
PROMPT = "paste> "
BANNER = (
    "ModelArts prediction triage - local console ({n} playbooks).\n"
    "Paste an error, a curl/traceback dump or a prediction URL; the answer follows. "
    "`/predict-check NAME|URL` probes a service. Type /quit (or Ctrl-D) to leave.\n"
)
_TEXT_KEYS = (Keys.ControlM, Keys.ControlJ, Keys.ControlI)
"""Enter, newline and Tab: besides characters, what a pasted text is made of."""


def run_console(matcher: Matcher, probes: Probes, stdin=None, stdout=None) -> int:
    """Answer pastes (and ``/predict-check NAME|URL``) the way the bot would answer a direct message, as text."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if not stdin.isatty():
        stdout.write(_answer(matcher, probes, stdin.buffer.read().decode("utf-8", "replace")))
        return 0
    return interact(matcher, probes, stdout)


def interact(matcher: Matcher, probes: Probes, stdout: TextIO, history: History | None = None) -> int:
    """The terminal console, on prompt_toolkit's input and output (``create_app_session`` sets others); exit status."""
    history = _history() if history is None else history
    session: PromptSession[str] = PromptSession(PROMPT, history=history, key_bindings=_bindings())
    stdout.write(BANNER.format(n=len(matcher.kb)))
    while True:
        try:
            stdout.write("\n")
            stdout.flush()
            try:
                paste = session.prompt()
            except EOFError:  # Ctrl-D, or Ctrl-C on an empty line
                paste = "/quit"
            if paste.strip() in ("/quit", "/exit"):
                stdout.write("bye\n")
                return 0
            if paste.strip():
                stdout.write("\n" + _answer(matcher, probes, paste))
        except KeyboardInterrupt:  # Ctrl-C while an answer is worked out or printed
            stdout.write("\n(stopped)\n")


def _answer(matcher: Matcher, probes: Probes, paste: str) -> str:
    command, _, arg = paste.strip().partition(" ")
    if command == COMMAND and asks_for_help(arg):
        return render_help_text(guide(probes.policy), "en" if arg.isascii() else "zh")
    if command == COMMAND:
        return render_probe_text(probes.run(arg))
    return render_triage_text(triage(paste, matcher, addressed=True, policy=probes.policy))


def _bindings() -> KeyBindings:
    keys = KeyBindings()
    typing = has_focus(DEFAULT_BUFFER)

    @keys.add(Keys.BracketedPaste, filter=typing)
    def _paste(event: KeyPressEvent) -> None:
        """A pasted block lands as one insert; one of several lines is submitted at once, as one paste."""
        text = event.data.replace("\r\n", "\n").replace("\r", "\n")
        event.current_buffer.insert_text(text)
        if "\n" in text:
            event.current_buffer.validate_and_handle()

    @keys.add("enter", filter=typing)
    def _enter(event: KeyPressEvent) -> None:
        """Submit, unless more text is already waiting: then this is a line break in an unbracketed paste."""
        if _more_text_waiting(event):
            event.current_buffer.newline(copy_margin=False)
        else:
            event.current_buffer.validate_and_handle()

    @keys.add("tab", filter=typing)
    def _tab(event: KeyPressEvent) -> None:
        """A tab is text here (there is nothing to complete), typed or in an unbracketed paste."""
        event.current_buffer.insert_text("\t")

    @keys.add("c-c", filter=typing)
    @keys.add("<sigint>")
    def _interrupt(event: KeyPressEvent) -> None:
        """Ctrl-C clears the line being typed, as shells do; on an empty line it leaves."""
        if event.current_buffer.text:
            event.current_buffer.reset()
        else:
            event.app.exit(exception=EOFError, style="class:exiting")

    @keys.add("c-@", filter=typing & Condition(lambda: not get_app().current_buffer.text))
    def _late_eof(event: KeyPressEvent) -> None:
        """A Ctrl-D typed while an answer was worked out reaches the prompt as a NUL (Linux): leave, as asked."""
        event.app.exit(exception=EOFError, style="class:exiting")

    return keys


def _more_text_waiting(event: KeyPressEvent) -> bool:
    """Text already read behind this key, or waiting to be read: a paste, not a hand on the keyboard."""
    queue = event.key_processor.input_queue
    if queue:
        return len(queue[0].key) == 1 or queue[0].key in _TEXT_KEYS
    try:
        return bool(select.select([event.app.input.fileno()], [], [], 0)[0])
    except (OSError, ValueError, NotImplementedError):  # no selectable descriptor (Windows detects pastes itself)
        return False


class _RedactedFileHistory(FileHistory):
    """A history file that gets each entry with its credentials masked; this run's own recall keeps it as typed."""

    def store_string(self, string: str) -> None:
        with contextlib.suppress(OSError):  # a history that cannot be written is no reason to stop the console
            super().store_string(redact(string).text)


def _history() -> History:
    """``HISTORY_FILE``, created readable by its owner only; in memory if it cannot be."""
    try:
        path = Path(HISTORY_FILE).expanduser()
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    except (OSError, RuntimeError):
        return InMemoryHistory()
    return _RedactedFileHistory(path)
