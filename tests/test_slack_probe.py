"""/predict-check, the "Run live probe" button and pasted URLs, end to end: mock Slack + fake gateway."""

from __future__ import annotations

import json

import pytest
import yaml

from bot.slack.protocol import button_value
from tests.doubles.fake_gateway import FakeGateway
from tests.doubles.slack_requests import message_event, post_action, post_command, post_event

GATEWAY_HOST = "0123456789abcdef0123456789abcdef.apig.cn-north-4.huaweicloudapis.com"
SCENARIOS = {
    "healthy": ("ok", "ok", None),
    "gw-auth": ("apig-0301", "apig", "APIG.0301"),
    "dispatch": ("modelarts-4503", "dispatcher", "ModelArts.4503"),
    "model": ("mr-0105", "model", "MR.0105"),
    "model-plain": ("model-500", "model", None),
    "flaky-net": ("reset", "client", "client-network"),
}


@pytest.fixture(scope="module")
def gateway():
    with FakeGateway() as gw:
        yield gw


@pytest.fixture
def services(tmp_path, gateway):
    entries = {name: {"url": gateway.url(scenario), "body": "{}"} for name, (scenario, _, _) in SCENARIOS.items()}
    entries["wrong-method"] = {"url": gateway.url("ok"), "method": "GET"}
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump({"services": entries}))
    return str(path)


@pytest.fixture
def probing_bot(bot_factory, services, monkeypatch):
    monkeypatch.setenv("PROBE_USER_LIMIT", "100/60")
    monkeypatch.setenv("PROBE_CHANNEL_LIMIT", "100/60")
    return bot_factory(services=services)


def texts(call) -> str:
    return call.body.get("text", "") + json.dumps(
        call.json("blocks") if call.body.get("blocks") else [], ensure_ascii=False
    )


@pytest.mark.parametrize(("name", "verdict", "playbook"), [(n, v, p) for n, (_, v, p) in SCENARIOS.items()])
def test_predict_check_posts_probing_then_edits_in_the_verdict(probing_bot, name, verdict, playbook):
    sent = post_command(probing_bot.events, "/predict-check", name, probing_bot.api.response_url("c"))
    assert sent.status == 200 and sent.elapsed < 1.0
    (probing,) = probing_bot.api.wait_for("chat.postMessage")
    assert "Probing" in probing.body["text"] and probing.body["channel"] == "C1"
    (result,) = probing_bot.api.wait_for("chat.update", timeout=10)
    posted_ts = probing_bot.api.calls_to("chat.postMessage")[0]
    assert result.body["ts"] and posted_ts
    shown = texts(result)
    assert ("is healthy" in shown) == (verdict == "ok")
    if playbook:
        assert playbook in shown
    assert "✓ dns" in shown and "connect" in shown


def test_predict_check_says_which_hop_for_a_wrong_method(probing_bot):
    post_command(probing_bot.events, "/predict-check", "wrong-method", probing_bot.api.response_url("c"))
    (result,) = probing_bot.api.wait_for("chat.update", timeout=10)
    assert "method-not-allowed" in texts(result) or "Method Not Allowed" in texts(result)
    assert "fails on the client" in result.body["text"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Registered services: `dispatch`, `flaky-net`, `gw-auth`, `healthy`, `model`, `model-plain`"),
        ("nope", "I don't know a service called `nope`"),
        ("a b", "Usage: `/predict-check <service>`"),
        ("http://169.254.169.254/latest/meta-data", "not an allowed probe host"),
        ("https://user:pw@x.apig.cn-north-4.huaweicloudapis.com/v1/infers/x", "carries credentials"),
    ],
)
def test_bad_input_gets_an_ephemeral_hint_and_no_probe(probing_bot, gateway, text, says):
    before = len(gateway.requests)
    sent = post_command(probing_bot.events, "/predict-check", text, probing_bot.api.response_url("c"))
    assert sent.status == 200
    body = json.loads(sent.body)
    assert body["response_type"] == "ephemeral" and says in body["text"]
    probing_bot.settle()
    assert probing_bot.api.calls_to("chat.postMessage") == [] and len(gateway.requests) == before


def test_rate_limit_answers_busy(bot_factory, services, monkeypatch):
    monkeypatch.setenv("PROBE_USER_LIMIT", "2/60")
    bot = bot_factory(services=services)
    answers = [post_command(bot.events, "/predict-check", "healthy", bot.api.response_url("c")) for _ in range(3)]
    assert [a.body for a in answers[:2]] == ["", ""]
    assert "Busy" in json.loads(answers[2].body)["text"] and "try again in 60 s" in answers[2].body
    bot.settle()
    assert len(bot.api.calls_to("chat.postMessage")) == 2


def test_diagnosis_of_a_paste_naming_a_service_offers_a_probe_that_answers_in_the_thread(probing_bot):
    paste = 'gw-auth started failing: {"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: decrypt token fail"}'
    post_event(probing_bot.events, message_event(paste, ts="1700000100.000100"))
    (answer,) = probing_bot.api.wait_for("chat.postMessage")
    buttons = [e for b in answer.json("blocks") if b["type"] == "actions" for e in b["elements"]]
    probe = next(e for e in buttons if e["action_id"] == "run_probe")
    probing_bot.settle()
    answered = probing_bot.runtime.store.reply_for("C1", "1700000100.000100")
    assert answered.probe == "gw-auth"
    payload = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "channel": {"id": "C1"},
        "message": {"ts": answered.reply_ts, "thread_ts": "1700000100.000100", "text": "x", "blocks": []},
        "actions": [{"action_id": "run_probe", "block_id": "feedback", "value": probe["value"]}],
        "response_url": probing_bot.api.response_url("b"),
        "trigger_id": "1",
    }
    assert post_action(probing_bot.events, payload).status == 200
    probing, *_ = probing_bot.api.wait_for("chat.postMessage", count=2)[1:]
    assert probing.body["thread_ts"] == "1700000100.000100"
    (result,) = probing_bot.api.wait_for("chat.update", timeout=10)
    assert "APIG.0301" in texts(result) and "fails at API Gateway" in result.body["text"]


def test_a_refused_button_click_is_answered_only_to_the_clicker(bot_factory, services, monkeypatch):
    monkeypatch.setenv("PROBE_USER_LIMIT", "1/60")
    bot = bot_factory(services=services)
    post_event(bot.events, message_event("gw-auth fails: APIG.0301", ts="1700000101.000100"))
    bot.settle()
    answered = bot.runtime.store.reply_for("C1", "1700000101.000100")
    payload = {
        "type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "channel": {"id": "C1"},
        "message": {"ts": answered.reply_ts, "text": "x", "blocks": []},
        "actions": [{"action_id": "run_probe", "value": button_value("1700000101.000100")}],
        "response_url": bot.api.response_url("refused"), "trigger_id": "1",
    }  # fmt: skip
    assert post_action(bot.events, payload).status == 200
    bot.api.wait_for("chat.update", timeout=10)  # the first click probes
    assert post_action(bot.events, payload).status == 200
    (said,) = bot.api.wait_for("respond/refused")
    assert "probe limit" in said.body["text"] and said.body["response_type"] == "ephemeral"
    assert len(bot.api.calls_to("chat.postMessage")) == 2  # the answer and the first probe only


def test_a_click_on_anything_but_the_bots_answer_is_ignored(probing_bot, gateway):
    before = len(gateway.requests)
    for value, message_ts in ((button_value("1.1"), "1.2"), ("url:http://10.0.0.5/v1/infers/x", "1.2"), ("", "")):
        payload = {
            "type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "channel": {"id": "C1"},
            "message": {"ts": message_ts, "text": "x", "blocks": []},
            "actions": [{"action_id": "run_probe", "value": value}],
            "response_url": probing_bot.api.response_url("forged"), "trigger_id": "1",
        }  # fmt: skip
        assert post_action(probing_bot.events, payload).status == 200
    probing_bot.settle()
    assert probing_bot.api.calls_to("chat.postMessage") == [] and len(gateway.requests) == before


def test_a_pasted_prediction_url_is_recognised_with_a_probe_button(probing_bot, gateway):
    sid = gateway.url("ok").rsplit("/", 1)[1]
    url = f"https://{GATEWAY_HOST}/v1/infers/{sid}/predictions/poetry"
    post_event(probing_bot.events, message_event(f"this is our new endpoint {url}"))
    (answer,) = probing_bot.api.wait_for("chat.postMessage")
    shown = texts(answer)
    assert "cn-north-4" in shown and sid in shown and "/predictions/poetry" in shown
    assert "Registered as* `healthy`" in shown and "run_probe" in shown
    probing_bot.settle()
    assert probing_bot.runtime.store.reply_for("C1", answer.body["thread_ts"]).probe == "healthy"


def test_auto_probe_answers_a_registered_url_with_the_probe_result(bot_factory, services, gateway, monkeypatch):
    monkeypatch.setenv("PROBE_AUTO", "1")
    bot = bot_factory(services=services)
    post_event(bot.events, message_event(f"is this up? {gateway.url('modelarts-4503')}"))
    (result,) = bot.api.wait_for("chat.update", timeout=10)
    assert "ModelArts.4503" in texts(result) and "fails at the ModelArts dispatcher" in result.body["text"]
    assert len(bot.api.calls_to("chat.postMessage")) == 1


def test_an_allowed_gateway_url_is_probed_from_the_button(bot_factory, gateway, monkeypatch):
    monkeypatch.setenv("PROBE_ALLOWED_NETS", "127.0.0.0/8")
    bot = bot_factory(resolver=lambda host, port: ["127.0.0.1"])
    path = gateway.url("mr-0105").split(str(gateway.port), 1)[1]
    url = f"http://{GATEWAY_HOST}:{gateway.port}{path}"
    post_event(bot.events, message_event(f'{url} -> {{ "erno": "MR.0105", "msg": "Recognition failed" }}'))
    (answer,) = bot.api.wait_for("chat.postMessage")
    value = next(
        e["value"] for b in answer.json("blocks") if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == "run_probe"
    )  # fmt: skip
    bot.settle()
    answered = bot.runtime.store.reply_for("C1", answer.body["thread_ts"])
    assert answered.probe == url
    payload = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "channel": {"id": "C1"},
               "message": {"ts": answered.reply_ts, "text": "x", "blocks": []}, "actions": [{"action_id": "run_probe",
               "value": value}], "response_url": bot.api.response_url("b"), "trigger_id": "1"}  # fmt: skip
    post_action(bot.events, payload)
    (result,) = bot.api.wait_for("chat.update", timeout=10)
    assert "MR.0105" in texts(result)
    assert gateway.requests[-1].headers["host"] == f"{GATEWAY_HOST}:{gateway.port}"  # reached via the checked address


def test_a_console_link_to_a_service_is_recognised_and_mapped_to_the_registry(probing_bot, gateway):
    base = "https://console.huaweicloud.com/modelarts/?region=cn-north-4#/services/serviceDetail?serviceId="
    registered = gateway.url("modelarts-4503").rsplit("/", 1)[1]
    unknown = gateway.url("modelarts-4206").rsplit("/", 1)[1]
    post_event(
        probing_bot.events,
        message_event(f"can someone look at <{base}{registered}|this service>?", ts="1700000299.0001"),
    )
    post_event(probing_bot.events, message_event(f"and this one {base}{unknown}", ts="1700000300.000300"))
    first, second = sorted(probing_bot.api.wait_for("chat.postMessage", count=2), key=lambda c: c.body["thread_ts"])
    assert "console link to a service" in texts(first) and registered in texts(first)
    assert "Registered as* `dispatch`" in texts(first) and "run_probe" in texts(first)
    assert "Not a registered service" in texts(second) and "run_probe" not in texts(second)
