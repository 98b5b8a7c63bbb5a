"""Live probes against the fake ModelArts gateway on 127.0.0.1: every verdict through the CLI, refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.probe.ladder import Prober
from bot.probe.result import Target
from bot.probe.safety import UrlRules
from bot.settings import Secrets
from tests.doubles.fake_gateway import ConnectionTrap, FakeGateway, closed_port

ROOT = Path(__file__).resolve().parent.parent
MATCHER = Matcher(KnowledgeBase.load())


@pytest.fixture(scope="module")
def gateway():
    with FakeGateway() as gw:
        yield gw


@pytest.fixture(scope="module")
def tls_gateway():
    with FakeGateway(tls="valid") as gw:
        yield gw


@pytest.fixture(scope="module")
def expired_gateway():
    with FakeGateway(tls="expired") as gw:
        yield gw


def services_file(tmp_path: Path, services: dict) -> str:
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump({"services": services}))
    return str(path)


def cli_probe(target: str, services: str | None = None, **env) -> tuple[int, dict]:
    clean = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    args = [sys.executable, "-m", "bot", "probe", target, "--json"] + (["--services", services] if services else [])
    run = subprocess.run(args, cwd=ROOT, capture_output=True, env={**clean, **env}, timeout=60)
    assert run.stdout, run.stderr.decode()
    return run.returncode, json.loads(run.stdout)


def one(gateway, scenario: str, **fields) -> dict:
    return {"svc": {"url": gateway.url(scenario), "body": '{"x": 1}', **fields}}


# scenario, service fields, verdict, playbook, variant, failing phase
VERDICTS = [
    ("ok", {}, "ok", None, None, None),
    ("apig-0101", {}, "apig", "APIG.0101", "not-published", "request"),
    ("apig-0201", {}, "apig", "APIG.0201", "body-too-large", "request"),
    ("apig-0301", {}, "apig", "APIG.0301", "decrypt-token-fail", "request"),
    ("apig-0308", {}, "apig", "APIG.0308", "classic", "request"),
    ("modelarts-4302", {}, "dispatcher", "ModelArts.4302", "connection-refused", "request"),
    ("modelarts-4503", {}, "dispatcher", "ModelArts.4503", "keep-alive", "request"),
    ("modelarts-4503-timeout", {}, "dispatcher", "ModelArts.4503", "slow-inference", "request"),
    ("modelarts-4206", {}, "dispatcher", "ModelArts.4206", None, "request"),
    ("mr-0105", {}, "model", "MR.0105", None, "request"),
    ("model-500", {}, "model", None, None, "request"),
    ("ok", {"method": "GET"}, "client", "method-not-allowed", None, "request"),
    ("reset", {}, "client", "client-network", None, "request"),
]


@pytest.mark.parametrize(("scenario", "fields", "verdict", "playbook", "variant", "failed"), VERDICTS)
def test_verdicts_through_the_cli(tmp_path, gateway, scenario, fields, verdict, playbook, variant, failed):
    code, result = cli_probe("svc", services_file(tmp_path, one(gateway, scenario, **fields)))
    assert code == 0 and result["refused"] is None
    assert (result["verdict"], result["playbook"], result["variant"]) == (verdict, playbook, variant)
    assert [p["name"] for p in result["phases"]][:2] == ["dns", "connect"]
    failing = [p["name"] for p in result["phases"] if not p["ok"]]
    assert failing == ([failed] if failed else [])
    assert result["total_ms"] >= sum(p["ms"] for p in result["phases"]) * 0.5


def test_a_slow_model_times_out_in_the_request_phase(tmp_path, gateway):
    services = {"svc": {"url": gateway.url("slow") + "?delay=3", "timeout_s": 1}}
    code, result = cli_probe("svc", services_file(tmp_path, services))
    assert (code, result["verdict"], result["playbook"]) == (0, "client", "request-timed-out")
    request = result["phases"][-1]
    assert request["name"] == "request" and not request["ok"] and "no answer within" in request["detail"]
    assert result["total_ms"] < 2500


def test_a_closed_port_fails_at_connect(tmp_path):
    services = {"svc": {"url": f"http://127.0.0.1:{closed_port()}/v1/infers/x"}}
    _, result = cli_probe("svc", services_file(tmp_path, services))
    assert (result["verdict"], result["playbook"]) == ("client", "client-network")
    assert [(p["name"], p["ok"]) for p in result["phases"]] == [("dns", True), ("connect", False)]


def test_tls_rung_reports_the_certificate(tmp_path, tls_gateway):
    _, result = cli_probe("svc", services_file(tmp_path, one(tls_gateway, "ok")), PROBE_CA_BUNDLE=tls_gateway.ca_file)
    assert result["verdict"] == "ok"
    tls = result["phases"][2]
    assert tls["name"] == "tls" and tls["ok"] and "certificate valid until" in tls["detail"]


def test_an_expired_certificate_fails_the_tls_rung(tmp_path, expired_gateway):
    services = services_file(tmp_path, one(expired_gateway, "ok"))
    _, result = cli_probe("svc", services, PROBE_CA_BUNDLE=expired_gateway.ca_file)
    assert (result["verdict"], result["playbook"]) == ("client", "client-network")
    assert result["phases"][-1]["name"] == "tls" and "expired" in result["phases"][-1]["detail"]


def test_redirects_are_not_followed_and_bodies_are_capped(tmp_path, gateway):
    with ConnectionTrap() as trap:
        _, redirected = cli_probe("svc", services_file(tmp_path, one(gateway, "redirect")))
        assert trap.accepted == 0
    assert redirected["status"] == 302 and len(redirected["phases"]) == 3
    assert "/elsewhere" not in json.dumps(redirected)  # where it points is not followed, nor shown
    _, big = cli_probe("svc", services_file(tmp_path, one(gateway, "big")))
    assert big["verdict"] == "ok" and "cut at 64 KB" in big["phases"][-1]["detail"]


def test_token_and_appcode_come_from_the_environment(tmp_path, gateway):
    services = services_file(
        tmp_path,
        {
            "tok": {"url": gateway.url("auth-token"), "auth": {"type": "token", "token_env": "T_TOKEN"}},
            "app": {"url": gateway.url("auth-appcode"), "auth": {"type": "appcode", "appcode_env": "T_APPCODE"}},
        },
    )
    assert cli_probe("tok", services, T_TOKEN=gateway.token)[1]["verdict"] == "ok"
    wrong = cli_probe("tok", services, T_TOKEN="tok-wrong")[1]
    assert (wrong["verdict"], wrong["playbook"], wrong["variant"]) == ("apig", "APIG.0301", "decrypt-token-fail")
    code, missing = cli_probe("tok", services)
    assert code == 2 and "T_TOKEN is not set" in missing["refused"]
    assert cli_probe("app", services, T_APPCODE=gateway.appcode)[1]["verdict"] == "ok"
    assert gateway.token not in json.dumps(wrong)


def test_aksk_signature_is_accepted_by_the_gateway_s_vendor_signer_check(tmp_path, gateway):
    auth = {"type": "aksk", "key_env": "T_AK", "secret_env": "T_SK"}
    services = services_file(tmp_path, {"s": {"url": gateway.url("auth-aksk") + "?v=1", "auth": auth, "body": "{}"}})
    assert cli_probe("s", services, T_AK=gateway.ak, T_SK=gateway.sk)[1]["verdict"] == "ok"
    wrong = cli_probe("s", services, T_AK=gateway.ak, T_SK="x" * 40)[1]
    assert (wrong["playbook"], wrong["variant"]) == ("APIG.0301", "aksk-signature")
    assert gateway.requests[-1].headers["authorization"].startswith("SDK-HMAC-SHA256 Access=")


def test_iam_password_token_is_fetched_once_and_reused(gateway):
    auth = {"type": "iam_password", "iam_url": gateway.base, "domain": "acme", "user": "probe", "password_env": "PW",
            "project": "cn-north-4"}  # fmt: skip
    target = Target("svc", gateway.url("auth-token"), auth=auth, trusted=True)
    prober = Prober(lambda: MATCHER, secrets=Secrets({"PW": gateway.iam_password}))
    before = gateway.iam_calls
    assert [prober.probe(target).verdict for _ in range(3)] == ["ok", "ok", "ok"]
    assert gateway.iam_calls - before == 1


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "017700000001", "0x7f.1", "[::ffff:127.0.0.1]", "0.0.0.0",
     "localhost", "[::1]"],
)  # fmt: skip
def test_refusals_send_no_packet_to_loopback_in_any_notation(host):
    with ConnectionTrap() as trap:
        code, result = cli_probe(f"http://{host}:{trap.port}/v1/infers/x", PROBE_ALLOWED_HOSTS="*")
        assert code == 2 and result["verdict"] is None
        assert "probes only go to public addresses" in result["refused"] or "is not an IP" in result["refused"]
        assert trap.accepted == 0


def test_a_gateway_name_that_resolves_to_loopback_is_refused_after_dns_without_connecting():
    with ConnectionTrap() as trap:
        host = "rebind.apig.cn-north-4.huaweicloudapis.com"
        prober = Prober(lambda: MATCHER, UrlRules(), resolver=lambda h, p: ["127.0.0.1"])
        result = prober.probe(Target(host, f"http://{host}:{trap.port}/v1/infers/x"))
        assert "loopback" in result.refused and [p.name for p in result.phases] == ["dns"]
        assert trap.accepted == 0


def test_urls_outside_the_allowlist_are_refused_before_dns():
    looked_up = []
    prober = Prober(lambda: MATCHER, UrlRules(), resolver=lambda h, p: looked_up.append(h) or ["8.8.8.8"])
    for url in ["http://metadata.google.internal/", "https://evil.example.com/v1/infers/x", "gopher://x/"]:
        assert prober.probe(Target(url, url)).refused
    assert looked_up == []


def test_an_allowed_gateway_url_is_probed_at_the_address_that_was_checked(gateway):
    host = "0123456789abcdef0123456789abcdef.apig.cn-north-4.huaweicloudapis.com"
    rules = UrlRules(allowed_nets=(__import__("ipaddress").ip_network("127.0.0.0/8"),))
    prober = Prober(lambda: MATCHER, rules, resolver=lambda h, p: ["127.0.0.1"])
    path = gateway.url("apig-0301").split(str(gateway.port), 1)[1]
    result = prober.probe(Target("pasted", f"http://{host}:{gateway.port}{path}"))
    assert (result.verdict, result.playbook) == ("apig", "APIG.0301")
    assert gateway.requests[-1].headers["host"] == f"{host}:{gateway.port}"


def test_with_control_plane_credentials_the_probe_adds_the_service_state(tmp_path, gateway):
    from tests.doubles.fake_modelarts_api import FakeModelArtsAPI

    sid = gateway.url("modelarts-4302").rsplit("/", 1)[1]
    services = {sid: {"name": "ocr-v3", "status": "CONCERNING", "events": [
        {"event_type": "ABNORMAL", "event_info": "[Alarm] container restarted (OOMKilled)", "update_at": 1716000000000}]}}  # fmt: skip
    with FakeModelArtsAPI(services) as api:
        env = {"MODELARTS_ENDPOINT": api.base, "MODELARTS_PROJECT_ID": "p1", "HUAWEICLOUD_SDK_AK": "AKTESTAKTESTAKTEST01",
               "HUAWEICLOUD_SDK_SK": "sk-value-that-must-not-show-0123456789abcd"}  # fmt: skip
        code, result = cli_probe("svc", services_file(tmp_path, one(gateway, "modelarts-4302")), **env)
    assert (code, result["verdict"], result["playbook"]) == (0, "dispatcher", "ModelArts.4302")
    assert "ocr-v3 is concerning" in result["service_state"] and "OOMKilled" in result["service_state"]
    assert env["HUAWEICLOUD_SDK_SK"] not in json.dumps(result)
