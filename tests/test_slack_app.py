"""What a team expects of a Slack app, in process: help, the shortcut, deletions, messages that are only blocks,
the poster's language, longer fixes, per-channel behaviour, the Home tab, events Slack may send."""

from __future__ import annotations

import json

import pytest

from bot.console import run_console
from bot.probe.desk import build_probes
from bot.reloader import LiveKnowledge
from bot.render.text import render_triage_text
from bot.settings import Settings, SettingsError
from bot.store.memory import MemoryStore
from bot.triage import triage
from tests.doubles.slack_api import Scripted
from tests.doubles.slack_requests import message_event

PASTE_413 = '413 {"error_code":"APIG.0201","error_msg":"Request entity too large"}'
PASTE_ZH = '调用在线服务一直失败，返回：\n{"error_code":"ModelArts.4503","error_msg":"Failed to respond due to backend service not found or failed to respond"}'


# -- help ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["mention", "dm", "dm-chinese"])
def test_help_from_a_mention_or_a_dm_is_the_guide_and_no_gap(chat, how):
    text = "帮助" if how == "dm-chinese" else "help"
    answer = chat.say(text, mention=how == "mention", dm=how.startswith("dm"))
    assert answer is not None
    assert ("贴什么" if how == "dm-chinese" else "What to paste") in answer.shown
    assert "/predict-check" in answer.shown and "could not find" not in answer.shown
    assert chat.store.gaps() == [] and chat.store.answer_counts() == {}


def test_predict_check_help_is_the_guide_with_the_services_and_who_may_probe(chat_factory, tmp_path):
    services = tmp_path / "services.yaml"
    services.write_text("services:\n  ocr-prod:\n    url: https://x.apig.cn-north-4.huaweicloudapis.com/v1/infers/a\n")
    chat = chat_factory(str(services), env={"PROBE_USERS": "U1,U2", "PROBE_USER_LIMIT": "5/60"})
    said = chat.command("help")
    assert said.status == 200 and "`ocr-prod`" in json.dumps(said.json) and "<@U1>" in json.dumps(said.json)
    assert "at most 5 per person every 60 s" in json.dumps(said.json)


def test_help_in_the_console(capsys):
    live = LiveKnowledge()
    probes = build_probes(Settings(), live, MemoryStore())

    class Piped:
        buffer = type("B", (), {"read": staticmethod(lambda: b"help")})()

        def isatty(self):
            return False

    run_console(live(), probes, stdin=Piped())
    assert "What to paste" in capsys.readouterr().out
    Piped.buffer = type("B", (), {"read": staticmethod(lambda: b"/predict-check help")})()
    run_console(live(), probes, stdin=Piped())
    assert "Live probes" in capsys.readouterr().out


# -- the shortcut ----------------------------------------------------------------------------------------------


def shortcut(chat, message: dict, user: str = "U5", channel: str = "C1") -> None:
    payload = {"type": "message_action", "callback_id": "diagnose_message", "trigger_id": "1.2.shortcut",
               "user": {"id": user}, "team": {"id": "T1"}, "channel": {"id": channel}, "message": message,
               "message_ts": message["ts"], "response_url": chat.response_url(user, channel)}  # fmt: skip
    assert chat.act(payload).status == 200
    chat.settle()


def test_the_shortcut_answers_another_apps_message_in_its_thread(chat):
    message = {"type": "message", "subtype": "bot_message", "bot_id": "BOTHER", "ts": "1600000000.000100", "text": "",
               "attachments": [{"fallback": "alert", "text": PASTE_413}]}  # fmt: skip
    shortcut(chat, message)
    (answer,) = chat.messages("C1")
    assert answer.thread_ts == "1600000000.000100" and "APIG.0201" in answer.text


def test_where_the_bot_cannot_post_the_shortcut_answers_the_asker_alone(chat):
    chat.api.script("chat.postMessage", Scripted.not_ok("not_in_channel"))
    shortcut(chat, {"type": "message", "user": "U9", "ts": "1600000001.000100", "text": PASTE_413}, channel="CPRIVATE")
    (whisper,) = chat.whispers()
    assert whisper.to == "U5" and "APIG.0201" in whisper.text
    assert chat.messages() == []


# -- deletions -------------------------------------------------------------------------------------------------


def test_deleting_an_answered_paste_deletes_the_answer_and_it_is_never_rewritten(chat):
    answer = chat.say(PASTE_413, ts="1700000700.000100")
    assert answer is not None
    tombstone = {"type": "message", "subtype": "tombstone", "text": "This message was deleted.", "user": "USLACKBOT",
                 "hidden": True, "ts": "1700000700.000100", "thread_ts": "1700000700.000100", "reply_count": 1}  # fmt: skip
    event = {"type": "message", "subtype": "message_changed", "hidden": True, "channel": "C1",
             "channel_type": "channel", "ts": "1700000799.000001", "event_ts": "1700000799.000001",
             "message": tombstone, "previous_message": {"type": "message", "user": "U1", "text": PASTE_413,
                                                        "ts": "1700000700.000100"}}  # fmt: skip
    assert chat.deliver(event).status == 200
    chat.settle()
    (deleted,) = chat.api.calls_to("chat.delete")
    assert deleted.body["ts"] == answer.ts
    assert len(chat.api.calls_to("chat.update")) == 0  # never rewritten into "no longer shows..."
    chat.edit("1700000700.000100", "APIG.0308 throttled")  # a later edit of the deleted paste changes nothing
    assert len(chat.api.calls_to("chat.update")) == 0 and len(chat.api.calls_to("chat.postMessage")) == 1


def test_a_deleted_dm_gets_no_new_answer_and_message_deleted_is_handled_too(chat):
    chat.say("hello", dm=True, ts="1700000701.000100")
    before = len(chat.api.calls_to("chat.postMessage"))
    deleted = {"type": "message", "subtype": "message_deleted", "hidden": True, "channel": "D1", "channel_type": "im",
               "ts": "1700000798.000001", "deleted_ts": "1700000701.000100", "event_ts": "1700000798.000001",
               "previous_message": {"type": "message", "user": "U1", "text": "hello", "ts": "1700000701.000100"}}  # fmt: skip
    assert chat.deliver(deleted).status == 200
    chat.settle()
    assert len(chat.api.calls_to("chat.postMessage")) == before
    assert len(chat.api.calls_to("chat.delete")) == 1


def test_a_paste_deleted_before_it_was_answered_is_never_answered(chat):
    chat.api.script("chat.postMessage", Scripted(delay=0.3))
    chat.deliver(message_event("lunch?", ts="1700000702.000100"))  # keeps a worker busy for a moment
    chat.deliver(message_event(PASTE_413, ts="1700000703.000100"))
    chat.deliver({"type": "message", "subtype": "message_deleted", "channel": "C1", "ts": "1700000797.000001",
                  "deleted_ts": "1700000703.000100", "previous_message": {"ts": "1700000703.000100"}})  # fmt: skip
    chat.settle()
    assert [m for m in chat.messages() if m.thread_ts == "1700000703.000100"] == []


# -- text that is only in blocks or attachments; events Slack may send -----------------------------------------


def test_an_error_only_in_rich_text_blocks_is_read(chat):
    blocks = [{"type": "rich_text", "elements": [
        {"type": "rich_text_section", "elements": [{"type": "text", "text": "our client says:"}]},
        {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": PASTE_413}]}]}]  # fmt: skip
    answer = chat.say("", blocks=blocks)
    assert answer is not None and "APIG.0201" in answer.text


def test_app_rate_limited_is_acked(chat):
    body = json.dumps({"token": "x", "type": "app_rate_limited", "team_id": "T1", "minute_rate_limited": 1518467820,
                       "api_app_id": "A1"})  # fmt: skip
    assert chat.send(body, "application/json").status == 200


# -- the poster's language, longer fixes -----------------------------------------------------------------------


def test_a_chinese_paste_gets_its_answer_in_chinese(chat):
    answer = chat.say(PASTE_ZH)
    assert "原因" in answer.shown and "处理步骤" in answer.shown and "有帮助" in answer.shown
    assert "*Cause*" not in answer.shown and "*Fix*" not in answer.shown


LONG_FIX = """\
code: APIG.0999
title: A gateway error with a long fix
layer: apig
http_status: [400]
messages: ["A very particular test message, with a comma"]
cause: Something specific went wrong.
steps: [Step one., Step two., Step three., Step four., Step five., Step six., Step seven.]
title_zh: 一个修复步骤很多的网关错误
cause_zh: 出了一个具体的问题。
steps_zh: [先做第一步。, 再做第二步。, 再做第三步。, 再做第四步。, 再做第五步。, 再做第六步。, 再做第七步。]
examples:
  - '{"error_code":"APIG.0999","error_msg":"A very particular test message, with a comma"}'
counterexamples:
  - lunch at noon?
"""


def test_all_steps_of_a_long_fix_are_one_click_away_for_the_one_who_clicks(chat_factory, tmp_path):
    (tmp_path / "APIG.0999.yaml").write_text(LONG_FIX)
    chat = chat_factory(env={"PLAYBOOKS_DIR": str(tmp_path)})
    answer = chat.say('400 {"error_code":"APIG.0999","error_msg":"A very particular test message, with a comma"}')
    assert "Step three." in answer.shown and "Step four." not in answer.shown
    assert answer.button("show_steps")["text"]["text"] == "All 7 steps"
    assert chat.click(answer, "show_steps", user="U7") is None  # nothing changes in the channel
    (steps,) = chat.whispers("U7")
    assert all(f"Step {n}." in json.dumps(steps.blocks) for n in ("one", "four", "seven"))


# -- per-channel behaviour -------------------------------------------------------------------------------------


def test_a_channel_set_to_mentions_answers_only_when_mentioned(chat_factory, tmp_path):
    rules = tmp_path / "channels.yaml"
    rules.write_text("channels:\n  CQUIET:\n    answer: mentions\n")
    chat = chat_factory(env={"CHANNELS_FILE": str(rules)})
    assert chat.say(PASTE_413, channel="CQUIET") is None
    assert chat.say(PASTE_413, channel="CQUIET", mention=True) is not None
    assert chat.say(PASTE_413, channel="C1") is not None  # other channels as by default


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("channels:\n  CQUIET:\n    answer: sometimes\n", ":3: CQUIET: answer must be one of every, mentions"),
        ("channels:\n  general:\n    answer: every\n", ":2: 'general' is not a channel id"),
        ("channels:\n  C1:\n    auto_probe: yes please\n", ":3: C1: auto_probe must be true or false"),
        ("channels:\n  C1:\n    colour: red\n", ":3: C1: unknown field `colour`"),
        ("answer: every\n", ":1: the file must hold one mapping"),
    ],
)
def test_a_broken_channels_file_stops_the_start_naming_file_and_line(chat_factory, tmp_path, text, says):
    rules = tmp_path / "channels.yaml"
    rules.write_text(text)
    with pytest.raises(SettingsError) as refused:
        chat_factory(env={"CHANNELS_FILE": str(rules)})
    assert f"{rules}{says}" in str(refused.value)


# -- the Home tab ----------------------------------------------------------------------------------------------


def test_opening_the_home_tab_shows_how_to_use_the_bot_and_the_figures(chat):
    chat.say(PASTE_413)
    event = {"type": "app_home_opened", "user": "U3", "channel": "D3", "tab": "home", "event_ts": "1700000800.1"}
    assert chat.deliver(event).status == 200
    chat.settle()
    (published,) = chat.api.calls_to("views.publish")
    view = published.json("view")
    assert published.body["user_id"] == "U3" and view["type"] == "home"
    shown = json.dumps(view)
    assert "What to paste" in shown and "Answers given: *1*" in shown and "APIG.0201" in shown


def test_a_bare_maas_endpoint_is_recognised_in_slack_and_in_the_console(chat):
    answer = chat.say("https://api.modelarts-maas.com/v1/chat/completions", mention=True)
    assert "MaaS" in answer.text and "could not find" not in answer.shown
    t = triage("https://api.modelarts-maas.com/v1/chat/completions", LiveKnowledge()(), addressed=True)
    assert "ModelArts Studio (MaaS) endpoint" in render_triage_text(t)
