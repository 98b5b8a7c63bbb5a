"""/predict-check, the "Run live probe" button and pasted URLs, in process (``chat``) against the fake gateway."""

from __future__ import annotations

import pytest
import yaml

from bot.slack.protocol import button_value
from bot.upkeep import stats_report
from tests.doubles.fake_gateway import FakeGateway
from tests.doubles.slack_requests import block_actions

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
def probing(chat_factory, services):
    return chat_factory(services, env={"PROBE_USER_LIMIT": "100/60", "PROBE_CHANNEL_LIMIT": "100/60"})


@pytest.mark.parametrize(("name", "verdict", "playbook"), [(n, v, p) for n, (_, v, p) in SCENARIOS.items()])
def test_predict_check_posts_probing_then_edits_in_the_verdict(probing, name, verdict, playbook):
    acked = probing.command(name)
    assert acked.status == 200 and acked.elapsed < 1.0
    (result,) = probing.messages()
    assert "Probing" in result.history[0] and result.channel == "C1" and result.thread_ts is None
    assert len(result.calls) == 2  # posted, then edited into the verdict
    assert ("is healthy" in result.shown) == (verdict == "ok")
    if playbook:
        assert playbook in result.shown
    assert "✓ dns" in result.shown and "connect" in result.shown


def test_predict_check_says_which_hop_for_a_wrong_method(probing):
    probing.command("wrong-method")
    (result,) = probing.messages()
    assert "method-not-allowed" in result.shown or "Method Not Allowed" in result.shown
    assert "fails on the client" in result.text


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
def test_bad_input_gets_an_ephemeral_hint_and_no_probe(probing, gateway, text, says):
    before = len(gateway.requests)
    acked = probing.command(text)
    assert acked.status == 200
    assert acked.json["response_type"] == "ephemeral" and says in acked.text
    assert probing.messages() == [] and len(gateway.requests) == before


def test_rate_limit_answers_busy(chat_factory, services):
    chat = chat_factory(services, env={"PROBE_USER_LIMIT": "2/60"})
    acks = [chat.command("healthy") for _ in range(3)]
    assert [a.body for a in acks[:2]] == ["", ""]
    assert "Busy" in acks[2].text and "try again in 60 s" in acks[2].text
    assert len(chat.messages()) == 2


def test_diagnosis_of_a_paste_naming_a_service_offers_a_probe_that_answers_in_the_thread(probing):
    paste = 'gw-auth started failing: {"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: decrypt token fail"}'
    answer = probing.say(paste, ts="1700000100.000100")
    assert answer.button("run_probe") is not None
    assert probing.store.reply_for("C1", "1700000100.000100").probe == "gw-auth"
    result = probing.click(answer, "run_probe")
    assert result.thread_ts == "1700000100.000100" and "Probing" in result.history[0]
    assert "APIG.0301" in result.shown and "fails at API Gateway" in result.text


def test_a_refused_button_click_is_answered_only_to_the_clicker(chat_factory, services):
    chat = chat_factory(services, env={"PROBE_USER_LIMIT": "1/60"})
    answer = chat.say("gw-auth fails: APIG.0301", ts="1700000101.000100")
    assert chat.click(answer, "run_probe") is not None  # the first click probes
    assert chat.click(answer, "run_probe") is None  # the second is over the limit
    (said,) = chat.whispers()
    assert said.to == "U1" and said.posted.body["response_type"] == "ephemeral" and "probe limit" in said.text
    assert len(chat.messages()) == 2  # the answer and the first probe only


def test_a_click_on_anything_but_the_bots_answer_is_ignored(probing, gateway):
    before = len(gateway.requests)
    for value, message_ts in ((button_value("1.1"), "1.2"), ("url:http://10.0.0.5/v1/infers/x", "1.2"), ("", "")):
        message = {"ts": message_ts, "text": "x", "blocks": []}
        action = {"action_id": "run_probe", "value": value}
        assert probing.act(block_actions("U1", "C1", message, action, probing.response_url("U1", "C1"))).status == 200
    probing.settle()
    assert probing.messages() == [] and probing.whispers() == [] and len(gateway.requests) == before


def test_a_pasted_prediction_url_is_recognised_with_a_probe_button(probing, gateway):
    sid = gateway.url("ok").rsplit("/", 1)[1]
    url = f"https://{GATEWAY_HOST}/v1/infers/{sid}/predictions/poetry"
    answer = probing.say(f"this is our new endpoint {url}")
    assert "cn-north-4" in answer.shown and sid in answer.shown and "/predictions/poetry" in answer.shown
    assert "Registered as* `healthy`" in answer.shown and answer.button("run_probe") is not None
    assert probing.store.reply_for("C1", answer.thread_ts).probe == "healthy"


def test_auto_probe_answers_a_registered_url_with_the_probe_result(chat_factory, services, gateway):
    chat = chat_factory(services, env={"PROBE_AUTO": "1"})
    answer = chat.say(f"is this up? {gateway.url('modelarts-4503')}")
    assert "ModelArts.4503" in answer.shown and "fails at the ModelArts dispatcher" in answer.text
    assert len(chat.messages()) == 1


def test_an_allowed_gateway_url_is_probed_from_the_button(chat_factory, gateway):
    chat = chat_factory(env={"PROBE_ALLOWED_NETS": "127.0.0.0/8"}, resolver=lambda host, port: ["127.0.0.1"])
    path = gateway.url("mr-0105").split(str(gateway.port), 1)[1]
    url = f"http://{GATEWAY_HOST}:{gateway.port}{path}"
    answer = chat.say(f'{url} -> {{ "erno": "MR.0105", "msg": "Recognition failed" }}')
    assert chat.store.reply_for("C1", answer.thread_ts).probe == url
    result = chat.click(answer, "run_probe")
    assert "MR.0105" in result.shown
    assert gateway.requests[-1].headers["host"] == f"{GATEWAY_HOST}:{gateway.port}"  # reached via the checked address


def test_a_console_link_to_a_service_is_recognised_and_mapped_to_the_registry(probing, gateway):
    base = "https://console.huaweicloud.com/modelarts/?region=cn-north-4#/services/serviceDetail?serviceId="
    registered = gateway.url("modelarts-4503").rsplit("/", 1)[1]
    unknown = gateway.url("modelarts-4206").rsplit("/", 1)[1]
    first = probing.say(f"can someone look at <{base}{registered}|this service>?", ts="1700000299.0001")
    second = probing.say(f"and this one {base}{unknown}", ts="1700000300.000300")
    assert "console link to a service" in first.shown and registered in first.shown
    assert "Registered as* `dispatch`" in first.shown and first.button("run_probe") is not None
    assert "Not a registered service" in second.shown and "run_probe" not in second.shown


def test_a_slash_command_replayed_with_its_trigger_id_probes_once(probing, gateway):
    before = len(gateway.requests)
    for _ in range(3):  # the same signed request, sent again by someone who captured it
        probing.command("healthy", trigger="13345224609.77.replayed")
    assert len(gateway.requests) - before == 1
    assert len(probing.messages()) == 1


def test_invented_vote_values_are_not_recorded(probing):
    answer = probing.say("gw-auth fails: APIG.0301", ts="1700000102.000100")
    message = {"ts": answer.ts, "text": answer.text, "blocks": answer.blocks, "thread_ts": answer.thread_ts}
    for value in ("p=1700000102.000100 playbook=APIG.9999", "APIG.9999", "x" * 5000, button_value("1700000999.1")):
        action = {"action_id": "feedback_helpful", "value": value}
        assert probing.act(block_actions("U9", "C1", message, action, probing.response_url("U9", "C1"))).status == 200
    probing.settle()
    assert probing.store.votes() == []
    assert "APIG.9999" not in stats_report(probing.store)[0]
