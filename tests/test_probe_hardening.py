"""Probe hardening: a dripping server cannot outlast the time cap; secrets, limits and tokens stay put."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import pytest
import yaml

from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.probe.ladder import Prober
from bot.probe.result import Target
from bot.probe.safety import UrlRules
from tests.doubles.fake_gateway import ConnectionTrap, FakeGateway
from tests.doubles.slack_api import Scripted

MATCHER = Matcher(KnowledgeBase.load())
TOKEN = "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggKXBgkqhkiG9w0BBwGgggKIBIIChHsidG9r"


class Dripper:
    """A server that answers one header byte every 0.3 s, for ever."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        conn, _ = self.sock.accept()
        conn.recv(65536)
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
            if self.stop.wait(0.3):
                break
            try:
                conn.send(bytes([byte]))
            except OSError:
                break
        conn.close()


def test_a_server_dripping_bytes_cannot_outlast_the_time_cap():
    dripper = Dripper()
    started = time.monotonic()
    result = Prober(lambda: MATCHER).probe(Target("drip", f"http://127.0.0.1:{dripper.port}/v1/infers/x",
                                                  timeout_s=1.0, trusted=True))  # fmt: skip
    elapsed = time.monotonic() - started
    dripper.stop.set()
    assert elapsed < 2.5
    assert (result.verdict, result.playbook) == ("client", "request-timed-out")


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
