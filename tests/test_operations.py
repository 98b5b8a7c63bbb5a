"""Operations: health, readiness and metrics over HTTP; Slack errors counted and secret-free JSON logs (in
process, ``chat``); playbook reload, log levels, upkeep reports."""

from __future__ import annotations

import io
import json
import logging
import shutil
import time
from pathlib import Path

import pytest
import requests

from bot.knowledge import SHIPPED_DIR, KnowledgeBase
from bot.logs import setup_logging
from bot.metrics import metrics_table
from bot.reloader import LiveKnowledge
from bot.settings import settings_table
from bot.store import Gap, Vote
from bot.store.memory import MemoryStore
from bot.store.redis import RedisStore
from bot.store.resilient import ResilientStore
from bot.upkeep import gaps_report, stats_report
from tests.doubles.slack_api import Scripted
from tests.doubles.slack_requests import block_actions, event_body, message_event, post_event, signed_headers
from tests.redis_server import free_port

PASTE = '413 {"error_code":"APIG.0201","error_msg":"Request entity too large"}'


def test_health_readiness_and_metrics(bot):
    assert requests.get(bot.base + "/healthz", timeout=5).json()["ok"] is True
    ready = requests.get(bot.base + "/readyz", timeout=5)
    assert ready.status_code == 200 and ready.json() == {
        "ready": True,
        "slack": "http",
        "store": "ok",
        "stopping": False,
    }
    event = message_event(PASTE)
    for retry in (None, 1):
        post_event(bot.events, event, event_id="EvM1", retry=retry)
    post_event(bot.events, message_event("lunch?"))
    bot.settle()
    metrics = requests.get(bot.base + "/metrics", timeout=5).text
    assert 'modelarts_triage_answers_total{playbook="APIG.0201"} 1.0' in metrics
    assert (
        "modelarts_triage_duplicates_dropped_total 1.0" in metrics and "modelarts_triage_silences_total 1.0" in metrics
    )
    assert 'modelarts_triage_events_total{kind="message"} 3.0' in metrics
    assert "modelarts_triage_ack_seconds_count 3.0" in metrics and "modelarts_triage_reply_seconds_count 1.0" in metrics
    assert "modelarts_triage_inbox_jobs 0.0" in metrics
    series = {line.split("{")[0].split(" ")[0] for line in metrics.splitlines() if line and not line.startswith("#")}
    assert {s.split("_")[0] for s in series} == {"modelarts", "process", "python"}, series
    assert all(s.startswith(("modelarts_triage_", "process_", "python_")) for s in series)
    assert not [s for s in series if s.endswith("_created")]
    assert any(s.startswith("process_resident_memory") for s in series)


def test_the_readme_documents_every_metric():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert metrics_table() in readme


def test_slack_api_errors_are_counted(chat):
    chat.api.script("chat.postMessage", Scripted.not_ok("channel_not_found"))
    chat.say(PASTE)
    metrics = chat.runtime.metrics.exposition()[0].decode()
    assert 'modelarts_triage_slack_api_errors_total{error="channel_not_found"} 1.0' in metrics


def test_redis_down_degrades_but_the_bot_still_answers_once(bot_factory):
    errors = []
    store = ResilientStore(
        RedisStore(f"redis://127.0.0.1:{free_port()}/0"), MemoryStore(), lambda op, e: errors.append(op)
    )
    bot = bot_factory(store=store)
    ready = requests.get(bot.base + "/readyz", timeout=5).json()
    assert ready["store"].startswith("degraded") and ready["ready"] is True
    event = message_event(PASTE)
    for retry in (None, 1, 2):
        post_event(bot.events, event, event_id="EvR1", retry=retry)
    bot.settle()
    assert len(bot.api.calls_to("chat.postMessage")) == 1 and errors


def copy_playbooks(tmp_path: Path) -> Path:
    target = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_DIR, target)
    return target


def test_playbooks_reload_on_change_and_a_broken_change_keeps_the_last_good(tmp_path, caplog):
    folder = copy_playbooks(tmp_path)
    live = LiveKnowledge(folder)
    file = folder / "apig" / "APIG.0201.yaml"
    file.write_text(file.read_text().replace("title: API Gateway rejected the request", "title: Renamed by a test"))
    live.watch(interval_s=0.1)
    deadline = time.monotonic() + 5
    while live().kb.get("APIG.0201").title != "Renamed by a test" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live().kb.get("APIG.0201").title == "Renamed by a test"
    file.write_text(file.read_text().replace("layer: apig", "layer: [broken"))
    with caplog.at_level(logging.ERROR):
        assert live.reload() is False
    assert "apig/APIG.0201.yaml:6: invalid YAML" in caplog.text
    assert live().diagnose("APIG.0201 Request entity too large").best.title  # still serving
    assert live().kb.get("APIG.0201").title == "Renamed by a test"
    live.stop()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        # a pattern Python's engine would backtrack on for minutes: RE2 runs it in linear time, the lint passes it
        (("    symptoms:", "    symptoms:\n      - '(x+x+)+y'"), None),
        (("    symptoms:", "    symptoms:\n      - 'gateway(?=x)'"), "no lookaround"),
        (("counterexamples:", "counterexamples:\n  - 'APIG.0201 Request entity too large'"),
         "counterexample resolves to this playbook"),
    ],
)  # fmt: skip
def test_hot_reload_runs_the_checks_lint_runs(tmp_path, caplog, change, says):
    folder = copy_playbooks(tmp_path)
    live = LiveKnowledge(folder)
    file = folder / "apig" / "APIG.0201.yaml"
    text = file.read_text()
    assert change[0] in text
    file.write_text(text.replace(change[0], change[1], 1))
    with caplog.at_level(logging.ERROR):
        assert live.reload() is (says is None)
    if says:
        assert "apig/APIG.0201.yaml:" in caplog.text and says in caplog.text
    started = time.monotonic()
    live().diagnose("APIG.0201 " + "x" * 30_000 + "!")
    assert time.monotonic() - started < 2.0  # a hang guard, not a benchmark


TOKENS = [
    "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggKXBgkqhkiG9w0BBwGgggKIBIIChHsidG9r",
    "QTWAOYTTINDUT2QVKYUC",
    "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
    "3b9f2a7c1d4e4f6a8b0c2d4e6f8a0b1c",
    "xoxb-998877-secretsecret",
    "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
]
LOADED = (
    f"X-Auth-Token: {TOKENS[0]}\nHUAWEICLOUD_SDK_AK={TOKENS[1]} HUAWEICLOUD_SDK_SK={TOKENS[2]}\n"
    f"X-Apig-AppCode: {TOKENS[3]}\nslack {TOKENS[4]}\nAuthorization: SDK-HMAC-SHA256 Access={TOKENS[1]}, "
    f"SignedHeaders=host, Signature={TOKENS[5]}\n"
)


def test_no_secret_reaches_the_logs_whatever_the_path(chat, caplog):
    stream = io.StringIO()
    setup_logging("DEBUG", stream)
    try:
        chat.api.script("chat.postMessage", Scripted.not_ok(f"invalid_blocks {TOKENS[0]}"))
        chat.say(LOADED + PASTE)
        chat.deliver({**message_event(f"<@UBOT> {LOADED}"), "type": "app_mention"})
        chat.api.add_file("FS1", "s.txt", (LOADED + PASTE).encode())
        chat.say("", subtype="file_share", files=[{"id": "FS1"}])
        chat.api.script("files.info", *[Scripted.server_error(500)] * 3)
        chat.say("", subtype="file_share", files=[{"id": "FS2"}])
        body = event_body(message_event(LOADED))
        forged = signed_headers(body, "application/json", secret="forged")
        assert chat.send(body, "application/json", forged).status == 401
        chat.command(f"https://x:{TOKENS[2]}@h/v1/infers/x")
        chat.act(block_actions("U1", "C1", {"ts": "1.1", "text": LOADED, "blocks": []},
                               {"action_id": "feedback_unhelpful", "value": "x||"}, chat.response_url("U1", "C1")))  # fmt: skip
        chat.settle()
        logging.getLogger("bot.test").warning("a paste: %s", LOADED)
    finally:
        logging.getLogger().handlers.clear()
    logs = stream.getvalue()
    assert logs.count("\n") >= 5
    for line in logs.splitlines():
        json.loads(line)
    for token in TOKENS:
        assert token not in logs
    assert '"request_id"' in logs


def test_gaps_and_stats_reports():
    store = MemoryStore()
    now = time.time()
    for n in range(5):
        store.log_gap(
            Gap(now - 60, "unmatched", f'ERROR 599 {{"error_code":"APIG.0777","error_msg":"Weird thing {n}"}}', "C1")
        )
    store.log_gap(
        Gap(
            now - 30,
            "unhelpful",
            "our client says ModelArts.4503 but logs are clean",
            "C1",
            "ModelArts.4503",
            "keep-alive",
        )
    )
    store.log_gap(Gap(now - 10 * 86400, "unmatched", "too old to show", "C1"))
    text, groups = gaps_report(store, 7 * 86400, now)
    assert [len(g.gaps) for g in groups] == [5, 1]
    assert "6 gap(s) in 2 group(s)" in text and "too old" not in text
    draft = groups[0].draft(1)
    assert draft["code"] == "APIG.0777" and draft["layer"] == "apig" and draft["http_status"] == [599]
    assert "code: APIG.0777" in text
    for n, helpful in enumerate([True, True, False]):
        store.record_vote(Vote("C1", f"{n}.0", f"U{n}", helpful, "APIG.0201", "body-too-large"))
        store.count_answer("APIG.0201", "body-too-large")
    store.count_answer(None, None)
    text, summary = stats_report(store)
    assert summary["answers"] == 4 and summary["votes"] == 3 and round(summary["helpful_rate"], 2) == 0.67
    assert "APIG.0201" in text and "67%" in text


@pytest.mark.parametrize("command", ["gaps", "stats"])
def test_upkeep_commands_read_the_configured_store(tmp_path, command):
    import subprocess
    import sys

    from bot.store.factory import open_store

    url = f"sqlite:///{tmp_path}/state.sqlite3"
    store = open_store(url)
    store.log_gap(Gap(time.time(), "unmatched", "APIG.0777 weird", "C1"))
    store.count_answer("APIG.0201", None)
    store.close()
    run = subprocess.run([sys.executable, "-m", "bot", command, "--json"], capture_output=True, timeout=60,
                         env={"STATE_URL": url, "PATH": "/usr/bin"}, cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert (out["groups"][0]["count"] == 1) if command == "gaps" else (out["answers"] == 1)


@pytest.mark.parametrize("name", ["info", "INFO", "Warning", " debug "])
def test_log_level_is_read_in_any_case(name):
    level = logging.getLogger().level
    try:
        setup_logging(name, io.StringIO())
        assert logging.getLogger().level == logging.getLevelNamesMapping()[name.strip().upper()]
    finally:
        logging.getLogger().handlers.clear()
        logging.getLogger().setLevel(level)


def test_unknown_log_level_is_refused_naming_the_choices():
    handlers = list(logging.getLogger().handlers)
    with pytest.raises(ValueError, match=r"LOG_LEVEL='loud' is not a log level; use one of DEBUG, INFO"):
        setup_logging("loud", io.StringIO())
    assert logging.getLogger().handlers == handlers


def test_playbook_watch_survives_any_error_and_keeps_watching(tmp_path, monkeypatch, caplog):
    folder = copy_playbooks(tmp_path)
    live = LiveKnowledge(folder)
    real_load, failures = KnowledgeBase.load, []

    def vanishing_file(path):
        if not failures:
            failures.append(path)
            raise FileNotFoundError(f"{path}/apig/APIG.0201.yaml vanished mid-save")
        return real_load(path)

    monkeypatch.setattr(KnowledgeBase, "load", staticmethod(vanishing_file))
    file = folder / "apig" / "APIG.0201.yaml"
    with caplog.at_level(logging.ERROR, logger="bot.reloader"):
        live.watch(interval_s=0.05)
        try:
            file.write_text(file.read_text().replace("title: API Gateway rejected the request", "title: First"))
            deadline = time.monotonic() + 5
            while "vanished mid-save" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.02)
            assert "still watching" in caplog.text and "vanished mid-save" in caplog.text
            file.write_text(file.read_text().replace("title: First", "title: Second"))
            while live().kb.get("APIG.0201").title != "Second" and time.monotonic() < deadline:
                time.sleep(0.02)
            assert live().kb.get("APIG.0201").title == "Second"
        finally:
            live.stop()


def test_the_readme_documents_every_setting():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme
