"""The local console in a terminal: typed lines and pastes (bracketed or not) each answered once, as typed; Ctrl-C,
Ctrl-D, /quit and /exit; history in memory and in a file with credentials masked; never a traceback.

Driven in process through prompt_toolkit's pipe input (the keys a terminal would send) and a dummy output, plus one
run of ``python -m bot console`` on a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import select
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from prompt_toolkit import PromptSession
from prompt_toolkit.application import create_app_session
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from bot import console
from bot.probe.desk import build_probes
from bot.settings import VARIABLES, Settings
from bot.store.memory import MemoryStore
from tests.conftest import offline_resolver

ROOT = Path(__file__).resolve().parent.parent
PASTE = '413 {"error_code":"APIG.0201","error_msg":"Request entity too large"}'
CURL = (
    "$ curl -s -i -X POST https://0a1b2c.apig.cn-north-4.huaweicloudapis.com/v1/infers/x -d @big.json\n"
    "HTTP/1.1 413 Request Entity Too Large\n"
    "Content-Type: application/json\n"
    "\n"
    '{"error_code":"APIG.0201","error_msg":"Request entity too large"}\n'
)
START, END = "\x1b[200~", "\x1b[201~"
UP, ENTER, CTRL_C, CTRL_D = "\x1b[A", "\r", "\x03", "\x04"
WATCHDOG_S = 30
SETTINGS = {v.name for v in VARIABLES}


@pytest.fixture
def asked(monkeypatch) -> list[str]:
    """Every text the console hands to ``triage()``, in order."""
    texts: list[str] = []
    real = console.triage

    def spy(text, *args, **kwargs):
        texts.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(console, "triage", spy)
    return texts


@pytest.fixture
def probes(matcher):
    return build_probes(Settings(), lambda: matcher, MemoryStore(), resolver=offline_resolver)


def run(*typed: str, matcher, probes, history=None) -> tuple[int, str]:
    """The console, with ``typed[n]`` typed at its n-th prompt; its exit status and what it printed.

    Keys typed at one prompt arrive together, as a terminal delivers them; a prompt with nothing left to type gets
    the end of input, which fails the test."""
    out, pending = io.StringIO(), list(typed)
    with create_pipe_input() as keyboard, create_app_session(input=keyboard, output=DummyOutput()):

        class Typist(PromptSession):
            def prompt(self, *args, **kwargs):
                if pending:
                    keyboard.send_text(pending.pop(0))
                else:
                    keyboard.close()
                    pending.append("(the console prompted again)")
                return super().prompt(*args, **kwargs)

        hung = threading.Event()
        watchdog = threading.Timer(WATCHDOG_S, lambda: (hung.set(), keyboard.close()))  # end of input, to get out
        watchdog.start()
        try:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(console, "PromptSession", Typist)
                code = console.interact(matcher, probes, out, InMemoryHistory() if history is None else history)
        finally:
            watchdog.cancel()
    assert not hung.is_set(), f"the console did not leave; printed: {out.getvalue()!r}"
    assert not pending, f"still to type: {pending!r}; printed: {out.getvalue()!r}"
    assert "Traceback" not in out.getvalue(), out.getvalue()
    return code, out.getvalue()


@pytest.fixture(autouse=True)
def nothing_on_stderr(capsys):
    """No test here leaves a traceback, or anything else, on stderr (or a traceback on stdout)."""
    yield
    out, err = capsys.readouterr()
    assert err == "" and "Traceback" not in out, out + err


def test_a_typed_line_is_answered_as_typed_and_ctrl_d_says_bye(matcher, probes, asked):
    code, out = run(PASTE + ENTER, CTRL_D, matcher=matcher, probes=probes)
    assert code == 0 and asked == [PASTE]
    assert out.startswith("ModelArts prediction triage - local console")
    assert "APIG.0201 · API Gateway (APIG) · Request body larger than the gateway allows" in out
    assert out.endswith("bye\n")


def test_a_multi_line_bracketed_paste_is_answered_once_as_one_paste(matcher, probes, asked):
    code, out = run(START + CURL + END, CTRL_D, matcher=matcher, probes=probes)
    assert code == 0 and asked == [CURL]
    assert out.count("APIG.0201 · ") == 1 and out.endswith("bye\n")


def test_a_paste_is_submitted_as_it_lands_even_without_a_final_newline_or_with_crlf(matcher, probes, asked):
    windows = CURL.rstrip("\n").replace("\n", "\r\n")
    code, _out = run(START + windows + END, CTRL_D, matcher=matcher, probes=probes)
    assert code == 0 and asked == [CURL.rstrip("\n")]


def test_a_long_paste_read_in_several_chunks_is_still_one_paste(matcher, probes, asked):
    frames = "".join(f'  File "/home/ma-user/infer/customize_service.py", line {n}, in _inference\n' for n in range(80))
    traceback = "Traceback (most recent call last):\n" + frames + "RuntimeError: CUDA out of memory.\n"
    assert len(traceback) > 4 * 1024  # prompt_toolkit reads the terminal 1 KiB at a time
    code, _out = run(START + traceback + END, CTRL_D, matcher=matcher, probes=probes)
    assert code == 0 and asked == [traceback]


def test_a_one_line_paste_joins_the_line_being_typed_and_waits_for_enter(matcher, probes, asked):
    code, _out = run("we get " + START + PASTE + END + " since noon" + ENTER, CTRL_D, matcher=matcher, probes=probes)
    assert code == 0 and asked == [f"we get {PASTE} since noon"]


def test_an_unbracketed_paste_keeps_its_line_breaks_and_is_one_paste(matcher, probes, asked):
    """A terminal without bracketed paste sends the lines with Enter between them, all at once."""
    lines = CURL.rstrip("\n").split("\n")
    code, _out = run(ENTER.join(lines) + "\t(tab)" + ENTER, CTRL_D, matcher=matcher, probes=probes)
    assert code == 0 and asked == ["\n".join(lines) + "\t(tab)"]


def test_ctrl_c_on_an_empty_line_leaves_cleanly(matcher, probes, asked):
    code, out = run(CTRL_C, matcher=matcher, probes=probes)
    assert code == 0 and asked == [] and out.endswith("bye\n")


def test_ctrl_c_while_typing_clears_the_line_and_the_console_goes_on(matcher, probes, asked):
    code, out = run("lunch at noo" + CTRL_C + PASTE + ENTER, CTRL_D, matcher=matcher, probes=probes)
    assert code == 0 and asked == [PASTE]
    assert "APIG.0201 · API Gateway (APIG)" in out and out.endswith("bye\n")


def test_ctrl_c_while_an_answer_is_worked_out_stops_it_and_the_console_goes_on(matcher, probes, monkeypatch):
    real, calls = console.triage, []

    def slow_then_fine(text, *args, **kwargs):
        calls.append(text)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real(text, *args, **kwargs)

    monkeypatch.setattr(console, "triage", slow_then_fine)
    code, out = run("first" + ENTER, PASTE + ENTER, CTRL_D, matcher=matcher, probes=probes)
    assert code == 0 and calls == ["first", PASTE]
    assert "(stopped)" in out and "APIG.0201 · API Gateway (APIG)" in out


def test_a_ctrl_d_typed_while_an_answer_was_worked_out_leaves(matcher, probes, asked):
    """Typed then, the terminal still in cooked mode, Linux hands it to the next prompt as a NUL."""
    code, out = run(PASTE + ENTER, "\x00", matcher=matcher, probes=probes)
    assert code == 0 and asked == [PASTE] and out.endswith("bye\n")


@pytest.mark.parametrize("word", ["/quit", "/exit", "  /exit  "])
def test_quit_and_exit_leave(matcher, probes, asked, word):
    code, out = run(word + ENTER, matcher=matcher, probes=probes)
    assert code == 0 and asked == [] and out.endswith("bye\n")


def test_up_recalls_the_previous_input_typed_or_pasted(matcher, probes, asked):
    history = InMemoryHistory()
    typed = [PASTE + ENTER, UP + ENTER, START + CURL + END, UP + ENTER, CTRL_D]
    code, _out = run(*typed, matcher=matcher, probes=probes, history=history)
    assert code == 0 and asked == [PASTE, PASTE, CURL, CURL]
    assert list(history.get_strings()) == [PASTE, CURL]  # a repeat is not stored twice


def test_predict_check_probes_a_registered_service(matcher, asked, tmp_path):
    from tests.doubles.fake_gateway import FakeGateway

    with FakeGateway() as gateway:
        services = tmp_path / "services.yaml"
        services.write_text(f"services:\n  svc:\n    url: {gateway.url('apig-0308')}\n")
        settings = Settings(services_file=services)
        probes = build_probes(settings, lambda: matcher, MemoryStore(), resolver=offline_resolver)
        code, out = run("/predict-check svc" + ENTER, CTRL_D, matcher=matcher, probes=probes)
    assert code == 0 and asked == []
    assert "probe svc: fails at API Gateway (APIG)" in out and "APIG.0308" in out


def test_the_history_file_gets_pastes_with_credentials_masked_and_owner_only(
    matcher, probes, asked, tmp_path, monkeypatch
):
    secret = "xoxb-998877-665544-secretsecret"
    path = tmp_path / "history"
    monkeypatch.setattr(console, "HISTORY_FILE", str(path))
    code, _out = run(
        f"bot token {secret} fails" + ENTER, CTRL_D, matcher=matcher, probes=probes, history=console._history()
    )
    assert code == 0 and asked == [f"bot token {secret} fails"]  # triage gets the paste as typed
    stored = path.read_text()
    assert secret not in stored and "bot token [masked] fails" in stored
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    code, _out = run(
        UP + ENTER, CTRL_D, matcher=matcher, probes=probes, history=console._history()
    )  # the next run recalls it
    assert code == 0 and asked[1] == "bot token [masked] fails"


def test_an_unwritable_history_file_leaves_the_console_in_memory(matcher, probes, tmp_path, monkeypatch):
    monkeypatch.setattr(console, "HISTORY_FILE", str(tmp_path / "missing-folder" / "history"))
    assert isinstance(console._history(), InMemoryHistory)


def test_piped_input_is_read_whole_as_one_paste_without_a_prompt(matcher, probes, asked):
    out = io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(CURL.encode()))
    assert console.run_console(matcher, probes, stdin=stdin, stdout=out) == 0
    assert asked == [CURL] and "APIG.0201" in out.getvalue() and "paste>" not in out.getvalue()


# -- a real terminal: python -m bot console on a pseudo-terminal ---------------------------------------------------


class Terminal:
    """``python -m bot console`` on a pseudo-terminal: what it printed so far, and keys typed into it."""

    def __init__(self, home: Path) -> None:
        self.fd, child = os.openpty()
        env = {k: v for k, v in os.environ.items() if k not in SETTINGS}  # no services file, nothing to probe
        env |= {"HOME": str(home), "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "console"],
            cwd=ROOT,
            stdin=child,
            stdout=child,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        os.close(child)
        self.seen = b""
        self.mark = 0
        """Where the output not yet waited for starts."""

    def wait_for(self, text: str, timeout: float = 30) -> None:
        """Read until ``text`` shows in what was printed since the last wait."""
        want, deadline = text.encode(), time.monotonic() + timeout
        while want not in self.seen[self.mark :]:
            assert time.monotonic() < deadline, f"no {text!r} in {self.seen[self.mark :].decode(errors='replace')!r}"
            if select.select([self.fd], [], [], 0.1)[0]:
                try:
                    self.seen += os.read(self.fd, 65536)
                except OSError:  # the console has gone and closed its side
                    break
        found = self.seen.find(want, self.mark)
        assert found >= 0, self.seen[self.mark :].decode(errors="replace")
        self.mark = found + len(want)

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def close(self) -> tuple[int, str]:
        try:
            code = self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            os.close(self.fd)
        return code, self.proc.stderr.read().decode()


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_in_a_real_terminal_pastes_are_bracketed_ctrl_c_clears_and_ctrl_d_leaves(tmp_path):
    term = Terminal(tmp_path)
    try:
        term.wait_for("paste>")
        assert b"\x1b[?2004h" in term.seen  # bracketed paste switched on
        term.type(START + CURL + END)
        term.wait_for("APIG.0201 · API Gateway (APIG) · Request body larger than the gateway allows")
        term.wait_for("paste>")
        term.type("lunch at noo" + CTRL_C)
        term.type("APIG.0201" + ENTER + CTRL_D)  # the Ctrl-D may land while the answer is worked out
        term.wait_for("APIG.0201 · ")
        term.wait_for("bye")
    finally:
        code, err = term.close()
    assert code == 0 and "Traceback" not in term.seen.decode(errors="replace") + err and err == "", err
    stored = (tmp_path / ".modelarts_triage_history").read_text()
    assert "+HTTP/1.1 413 Request Entity Too Large\n" in stored and "\n+APIG.0201\n" in stored
    assert "lunch" not in stored
