"""Probe hardening: a dripping server cannot outlast the time cap nor pass for ok; secrets, limits and tokens stay put."""

from __future__ import annotations

import base64
import dataclasses
import ipaddress
import json
import re
import time
from urllib.parse import quote, urlencode

import pytest
import yaml

from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.playbook import Playbook, Variant
from bot.probe.desk import build_probes
from bot.probe.ladder import Prober
from bot.probe.result import ProbeResult, Target
from bot.probe.safety import UrlRules
from bot.probe.scrub import notations
from bot.render.payload import probe_dict
from bot.render.text import render_probe_text
from bot.settings import Secrets, Settings
from bot.slack.blocks import render_probe
from bot.store.memory import MemoryStore
from tests.doubles.fake_gateway import ConnectionTrap, Dripper, FakeGateway
from tests.doubles.loopback import LoopbackDouble, QuietHandler
from tests.doubles.slack_api import Scripted

MATCHER = Matcher(KnowledgeBase.load())
TOKEN = "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggKXBgkqhkiG9w0BBwGgggKIBIIChHsidG9r"


CAP = 0.6
SLACK = 0.7  # what the ladder may take beyond its cap (thread wake-ups, a loaded CI machine)
MAAS_KEY = "maas-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123456789"
CHAT_BODY = json.dumps({"model": "deepseek-v3.2", "messages": [{"role": "user", "content": "ping"}], "stream": True})


def timed_probe(prober: Prober, target: Target) -> tuple[ProbeResult, float]:
    started = time.monotonic()
    result = prober.probe(target)
    return result, time.monotonic() - started


def assert_timed_out(result: ProbeResult, elapsed: float, cap: float = CAP, rung: str = "request") -> None:
    assert elapsed < cap + SLACK, f"the probe took {elapsed:.1f} s with a {cap} s cap"
    assert (result.verdict, result.playbook) == ("client", "request-timed-out"), probe_dict(result)
    last = result.phases[-1]
    assert (last.name, last.ok) == (rung, False) and "within" in last.detail, last


# (a) headers a byte at a time, (b) a prompt 200 then the body a byte at a time, (c) chunks that keep coming,
# (d) a body shorter than its Content-Length, then silence
@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("mode", ["headers", "body", "chunked", "short"])
def test_an_answer_still_arriving_at_the_deadline_is_a_time_out_not_ok(mode, tls):
    with Dripper(mode, tls=tls) as dripper:
        prober = Prober(lambda: MATCHER, ca_file=dripper.ca_file)
        result, elapsed = timed_probe(prober, Target("drip", dripper.url(), timeout_s=CAP, trusted=True))
    assert_timed_out(result, elapsed)


@pytest.mark.parametrize("mode", ["headers", "body", "sse", "short"])
def test_a_maas_answer_still_arriving_at_the_deadline_is_a_time_out_and_the_key_stays_out(mode):
    auth = {"type": "api_key", "key_env": "MAAS_KEY"}
    with Dripper(mode, tls=True) as dripper:
        prober = Prober(lambda: MATCHER, ca_file=dripper.ca_file, secrets=Secrets({"MAAS_KEY": MAAS_KEY}))
        target = Target("chat", dripper.url("/v2/chat/completions"), body=CHAT_BODY.encode(), auth=auth,
                        timeout_s=CAP, trusted=True)  # fmt: skip
        result, elapsed = timed_probe(prober, target)
    assert b"Authorization: Bearer " + MAAS_KEY.encode() in dripper.requests[0]
    assert_timed_out(result, elapsed)
    assert MAAS_KEY not in json.dumps(probe_dict(result)) + render_probe_text(result)


def test_the_prober_s_own_cap_bounds_a_target_that_allows_more():
    with Dripper("chunked") as dripper:
        prober = Prober(lambda: MATCHER, max_total_s=CAP)
        result, elapsed = timed_probe(prober, Target("drip", dripper.url(), timeout_s=20, trusted=True))
    assert_timed_out(result, elapsed)


def test_a_tls_handshake_dripping_past_the_deadline_is_a_time_out():
    with Dripper("handshake") as dripper:
        url = dripper.url().replace("http://", "https://")
        result, elapsed = timed_probe(Prober(lambda: MATCHER), Target("drip", url, timeout_s=CAP, trusted=True))
    assert_timed_out(result, elapsed, rung="tls")


def test_a_body_cut_short_by_the_server_is_a_dropped_connection_not_ok():
    with Dripper("short-close") as dripper:
        target = Target("cut", dripper.url(), timeout_s=CAP, trusted=True)
        result, elapsed = timed_probe(Prober(lambda: MATCHER), target)
    assert elapsed < CAP and (result.verdict, result.playbook) == ("client", "client-network"), probe_dict(result)
    assert "dropped" in result.phases[-1].detail


def test_the_control_plane_is_asked_only_about_registered_services():
    asked = []

    class Recorder:
        def service_state(self, service_id):
            asked.append(service_id)

    rules = UrlRules(allowed_nets=(ipaddress.ip_network("127.0.0.0/8"),))
    prober = Prober(lambda: MATCHER, rules, resolver=lambda h, p: ["127.0.0.1"], control_plane=Recorder())
    sid = "08e40f85-51a4-4097-9777-ab7869932887"
    with ConnectionTrap() as trap:
        url = f"http://abc.apig.cn-north-4.huaweicloudapis.com:{trap.port}/v1/infers/{sid}"
        result = prober.probe(Target("pasted", url, timeout_s=0.3, service_id=sid))
    assert result.refused is None and result.service_state is None
    assert asked == []


@pytest.fixture(scope="module")
def gateway():
    with FakeGateway() as gw:
        yield gw


def services_file(tmp_path, url: str) -> str:
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump({"services": {"svc": {"url": url}}}))
    return str(path)


def test_credentials_in_a_probed_url_never_reach_the_channel(chat):
    url = f"https://abc.apig.cn-north-4.huaweicloudapis.com/v1/infers/x?X-Auth-Token={TOKEN}"
    assert chat.command(url).status == 200
    posted = chat.api.calls_to("chat.postMessage") + chat.api.calls_to("chat.update")
    assert posted and all(TOKEN not in c.raw.decode() for c in posted)


def test_a_malformed_url_gets_a_hint_not_a_dispatch_failure(chat):
    acked = chat.command("https://[x")
    assert acked.status == 200 and "cannot be read" in acked.text


def test_auto_probe_respects_the_probe_limits(chat_factory, gateway, tmp_path):
    chat = chat_factory(services_file(tmp_path, gateway.url("ok")), env={"PROBE_AUTO": "1", "PROBE_USER_LIMIT": "0/60"})
    before = len(gateway.requests)
    answer = chat.say(f"is it up? {gateway.url('ok')}")
    # over the limit: the URL is recognised, but neither probed nor offered (the button is only for those who may)
    assert "prediction URL" in answer.text and "run_probe" not in answer.posted.raw.decode()
    assert chat.api.calls_to("chat.update") == [] and len(gateway.requests) == before


def test_where_the_bot_may_not_post_the_result_goes_to_the_asker(chat_factory, gateway, tmp_path):
    chat = chat_factory(services_file(tmp_path, gateway.url("apig-0308")))
    chat.api.script("chat.postMessage", Scripted.not_ok("not_in_channel"))
    chat.command("svc", user="U5")
    assert chat.messages() == []
    (said,) = chat.whispers()
    assert said.to == "U5" and said.posted.body["response_type"] == "ephemeral" and "APIG.0308" in said.shown


def test_a_probe_that_breaks_still_edits_its_probing_message(chat_factory, gateway, tmp_path, monkeypatch):
    chat = chat_factory(services_file(tmp_path, gateway.url("ok")))
    monkeypatch.setattr(chat.runtime.responder.probes.prober, "probe", lambda target: 1 / 0)
    chat.command("svc")
    (probing,) = chat.messages()
    assert "Probing" in probing.history[0] and "the probe itself failed (ZeroDivisionError)" in probing.text


def test_an_external_file_never_gets_the_bot_token(chat):
    with ConnectionTrap() as trap:
        external = {"ok": True, "file": {"id": "FX", "name": "x.txt", "mimetype": "text/plain", "size": 10,
                                         "is_external": True, "url_private": f"http://127.0.0.1:{trap.port}/x"}}  # fmt: skip
        chat.api.script("files.info", Scripted(200, external))
        chat.say("", subtype="file_share", files=[{"id": "FX"}])
        assert trap.accepted == 0


def shown(result: ProbeResult) -> str:
    """Everything a result shows anywhere: the CLI's JSON and text, and the Slack message."""
    message = render_probe(result)
    return json.dumps(probe_dict(result)) + render_probe_text(result) + message.text + json.dumps(message.blocks)


def test_an_iam_login_that_drips_cannot_outlast_the_time_cap():
    with Dripper("headers") as iam:
        auth = {"type": "iam_password", "iam_url": iam.url("").rstrip("/"), "domain": "acme", "user": "probe",
                "password_env": "PW", "project": "cn-north-4"}  # fmt: skip
        prober = Prober(lambda: MATCHER, secrets=Secrets({"PW": "pw-that-must-not-show-0123"}))
        result, elapsed = timed_probe(prober, Target("svc", "http://127.0.0.1:9/v1/infers/x", auth=auth,
                                                     timeout_s=CAP, trusted=True))  # fmt: skip
    assert elapsed < CAP + SLACK and result.refused.startswith("cannot authenticate: IAM gave no token within")
    assert "pw-that-must-not-show" not in shown(result)


# -- refusals name the kind of address a host resolves to, never the address ----------------------------------------

PASTED_HOST = "svc.apig.cn-north-4.huaweicloudapis.com"


def written(address: str) -> set[str]:
    """An address as a refusal could spell it."""
    ip = ipaddress.ip_address(address)
    forms = {address, str(ip), ip.exploded, ip.compressed}
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        forms |= {str(ip.ipv4_mapped), f"::ffff:{ip.ipv4_mapped}"}
    return forms


@pytest.mark.parametrize(
    ("address", "kind"),
    [("10.0.0.5", "private"), ("127.0.0.1", "loopback"), ("169.254.169.254", "link-local (cloud metadata)"),
     ("100.64.1.2", "shared (CGNAT)"), ("::ffff:10.0.0.5", "private"), ("fd00:ec2::254", "private"),
     ("0.0.0.0", "unspecified")],
)  # fmt: skip
def test_a_refusal_says_what_kind_of_address_a_host_resolves_to_never_which(address, kind):
    with ConnectionTrap() as trap:
        prober = Prober(lambda: MATCHER, UrlRules(), resolver=lambda h, p: [address])
        result = prober.probe(Target(PASTED_HOST, f"http://{PASTED_HOST}:{trap.port}/v1/infers/x"))
        assert trap.accepted == 0
    assert result.refused == f"the host resolves to a {kind} address; probes only go to public addresses"
    assert [p.name for p in result.phases] == ["dns"]
    text = shown(result)
    assert not [form for form in written(address) if form in text], text


def test_a_host_with_private_and_allowed_addresses_shows_only_the_allowed_ones():
    with ConnectionTrap() as trap:
        rules = UrlRules(allowed_nets=(ipaddress.ip_network("127.0.0.0/8"),))
        prober = Prober(lambda: MATCHER, rules, resolver=lambda h, p: ["10.9.8.7", "fd12::7", "127.0.0.1"])
        result = prober.probe(Target(PASTED_HOST, f"http://{PASTED_HOST}:{trap.port}/v1/infers/x"))
        assert trap.wait(1)
    assert result.refused is None and result.phases[0].detail == "127.0.0.1 (2 non-public not shown)"
    assert "10.9.8.7" not in shown(result) and "fd12::7" not in shown(result)


def test_dns_is_asked_once_so_a_rebinding_name_cannot_swap_the_checked_address(gateway):
    answers = iter([["127.0.0.1"], ["10.0.0.5"], ["10.0.0.5"]])
    asked = []
    rules = UrlRules(allowed_nets=(ipaddress.ip_network("127.0.0.0/8"),))
    prober = Prober(lambda: MATCHER, rules, resolver=lambda h, p: asked.append(h) or next(answers))
    path = gateway.url("ok").split(str(gateway.port), 1)[1]
    result = prober.probe(Target("pasted", f"http://{PASTED_HOST}:{gateway.port}{path}"))
    assert result.verdict == "ok" and asked == [PASTED_HOST]
    assert "10.0.0.5" not in shown(result)


# -- what a probe reports never holds its credentials, in any notation -------------------------------------------------

SECRETS = {"T_TOKEN": TOKEN, "T_APPCODE": "appcode0123456789abcdef0123456789", "MAAS_KEY": MAAS_KEY,
           "T_AK": "AKTESTAKTESTAKTEST01", "T_SK": "sktestsktestsktestsktestsktestsktestsk01"}  # fmt: skip
AUTHS = {
    "token": {"type": "token", "token_env": "T_TOKEN"},
    "appcode": {"type": "appcode", "appcode_env": "T_APPCODE"},
    "api_key": {"type": "api_key", "key_env": "MAAS_KEY"},
    "aksk": {"type": "aksk", "key_env": "T_AK", "secret_env": "T_SK"},
}


class Echo(QuietHandler):
    """Answers 401 quoting the path and every header back (raw, percent-encoded, base64, hex), coded or OpenAI-style."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.owner.seen.append(dict(self.headers))
        said = [f"{k}: {v}" for k, v in self.headers.items()] + [self.path]
        quoted = "; ".join(said + [quote(s, safe="") for s in said] + [base64.b64encode(s.encode()).decode() for s in said]
                           + [s.encode().hex() for s in said])  # fmt: skip
        if "/coded" in self.path:
            answer = {"error_code": "APIG.0301", "error_msg": f"Incorrect IAM authentication information: {quoted}"}
        else:
            answer = {"error": {"message": f"Incorrect API key provided: {quoted}", "type": "invalid_request_error"}}
        body = json.dumps(answer).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class EchoServer(LoopbackDouble):
    handler = Echo
    name = "echo"

    def __init__(self):
        super().__init__()
        self.seen: list[dict[str, str]] = []


def every_string(obj, seen=None) -> list[str]:
    """Every string a result holds, however deep (the diagnosis, its evidence); the playbooks' own text aside."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, Playbook | Variant) or obj is None:
        return []
    if isinstance(obj, tuple | list | set | frozenset):
        return [s for item in obj for s in every_string(item)]
    if dataclasses.is_dataclass(obj):
        return [s for f in dataclasses.fields(obj) for s in every_string(getattr(obj, f.name))]
    return []


@pytest.mark.parametrize("path", ["/v1/infers/x/coded", "/v1/chat/completions"])
@pytest.mark.parametrize("kind", AUTHS)
def test_credentials_echoed_back_by_a_server_never_show_in_any_notation(kind, path):
    with EchoServer() as echo:
        prober = Prober(lambda: MATCHER, secrets=Secrets(SECRETS))
        result = prober.probe(Target("svc", echo.base + path, auth=AUTHS[kind], body=b"{}", trusted=True))
    assert result.verdict not in (None, "ok"), probe_dict(result)
    sent = [SECRETS[name] for field, name in AUTHS[kind].items() if field.endswith("_env")]
    sent += re.findall(r"Signature=([0-9a-f]+)", echo.seen[0].get("Authorization", ""))
    text = "\n".join([shown(result), *every_string(result)])
    if path.endswith("/coded"):  # the echoed answer is in the result (the diagnosis' evidence), masked
        assert "Incorrect IAM authentication information" in text
    leaked = sorted(form for value in sent for form in notations(value) if form.lower() in text.lower())
    assert not leaked, text


def test_credentials_in_the_probed_url_s_query_never_show_in_any_notation():
    opaque = {"X-Auth-Token": "opaque.0123.token", "appcode": "opaque-appcode-0123"}
    with EchoServer() as echo:
        url = f"{echo.base}/v1/infers/x/coded?{urlencode(opaque)}"
        result = Prober(lambda: MATCHER).probe(Target("svc", url, body=b"{}", trusted=True))
    text = "\n".join([shown(result), *every_string(result)])
    assert "Incorrect IAM authentication information" in text
    leaked = sorted(form for value in opaque.values() for form in notations(value) if form.lower() in text.lower())
    assert not leaked, text


def test_a_refused_name_or_url_never_echoes_the_credential_typed_with_it():
    probes = build_probes(Settings(), lambda: MATCHER, MemoryStore())
    for text in [f"https://evil.example.com/v1/infers/x?X-Auth-Token={TOKEN}", TOKEN, f"Bearer {MAAS_KEY}"]:
        result = probes.run(text)
        assert result.refused and TOKEN not in shown(result) and MAAS_KEY not in shown(result), shown(result)


@pytest.mark.parametrize(
    ("headers", "url_tail", "says"),
    [
        ((("X-Trace", "a\r\nX-Auth-Token: " + TOKEN),), "", "header 'X-Trace' is not one line of text"),
        ((("X-Trace", "a\x00" + TOKEN),), "", "header 'X-Trace' is not one line of text"),
        ((("X-Bad Name", TOKEN),), "", "header 'X-Bad Name' is not one line of text"),
        ((), "/a%20b c", "the URL's path or query holds spaces"),
    ],
)
def test_a_request_that_cannot_go_on_one_line_is_refused_before_anything_is_sent(headers, url_tail, says):
    with ConnectionTrap() as trap:
        target = Target("svc", f"http://127.0.0.1:{trap.port}/v1/infers/x{url_tail}", headers=headers, trusted=True)
        result = Prober(lambda: MATCHER).probe(target)
        assert trap.accepted == 0
    assert result.refused.startswith(f"the request cannot be sent: {says}"), result.refused
    assert TOKEN not in shown(result)
