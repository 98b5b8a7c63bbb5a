"""Prove the fake ModelArts prediction gateway answers like APIG / dispatcher / model, on real sockets."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from tests.doubles.fake_gateway import (
    BIG_BODY_SIZE,
    MAX_BODY,
    REDIRECT_LOCATION,
    SCENARIOS,
    ConnectionTrap,
    FakeGateway,
    closed_port,
    scenario_of,
    service_id,
    sign_request,
)

HEX32 = re.compile(r"^[0-9a-f]{32}$")
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def gw():
    with FakeGateway() as gateway:
        yield gateway


def post(url: str, **kwargs) -> requests.Response:
    kwargs.setdefault("timeout", 5)
    kwargs.setdefault("json", {"images": "x"})
    return requests.post(url, **kwargs)


# -- success, layers and codes -------------------------------------------------------------------------------------


def test_ok_answers_model_json_and_records_the_request(gw):
    url = gw.url("ok") + "?trace=1"
    resp = post(url, json={"images": "cat.jpg"}, headers={"X-Custom": "yes"})
    assert resp.status_code == 200
    assert resp.json() == {"predicted_label": "cat", "scores": [[0.97]]}
    assert resp.headers["Content-Type"] == "application/json"
    assert HEX32.match(resp.headers["X-Request-Id"])
    assert "Server" not in resp.headers
    rec = next(r for r in reversed(gw.requests) if r.query == "trace=1")
    assert rec.method == "POST"
    assert rec.path == urlsplit(url).path
    assert rec.scenario == "ok" and rec.suffix == ""
    assert rec.headers["x-custom"] == "yes"
    assert json.loads(rec.body) == {"images": "cat.jpg"}


APIG_CASES = [
    ("apig-0101", 404, "APIG.0101", "The API does not exist or has not been published in the environment."),
    ("apig-0201", 413, "APIG.0201", "Request entity too large"),
    ("apig-0301", 401, "APIG.0301", "Incorrect IAM authentication information: decrypt token fail"),
    (
        "apig-0308",
        429,
        "APIG.0308",
        "The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute",
    ),
]


@pytest.mark.parametrize(("scenario", "status", "code", "msg"), APIG_CASES)
def test_apig_errors(gw, scenario, status, code, msg):
    resp = post(gw.url(scenario))
    assert resp.status_code == status
    body = resp.json()
    assert body["error_code"] == code
    assert body["error_msg"] == msg
    assert HEX32.match(body["request_id"])
    assert resp.headers["X-Request-Id"] == body["request_id"]
    assert resp.headers["Server"] == "api-gateway"


DISPATCHER_CASES = [
    (
        "modelarts-4302",
        500,
        "Gateway forwarding error. Failed to invoke backend service due to connection refused. ",
    ),
    ("modelarts-4503", 500, "Failed to respond due to backend service not found or failed to respond"),
    (
        "modelarts-4503-timeout",
        504,
        "Failed to find backend service because response timed out, "
        "please confirm your service is able to process the request without timeout. ",
    ),
    ("modelarts-4206", 429, f"Excessive number of requests to {service_id('modelarts-4206')}."),
]


@pytest.mark.parametrize(("scenario", "status", "msg"), DISPATCHER_CASES)
def test_dispatcher_errors(gw, scenario, status, msg):
    resp = post(gw.url(scenario))
    assert resp.status_code == status
    assert resp.json() == {"error_code": resp.json()["error_code"], "error_msg": msg}
    assert resp.json()["error_code"].startswith("ModelArts.")
    assert scenario.split("-")[1] in resp.json()["error_code"]


@pytest.mark.parametrize(
    ("scenario", "code", "msg"),
    [("mr-0105", "MR.0105", "Recognition failed"), ("mr-0101", "MR.0101", "The input parameter is invalid")],
)
def test_model_mr_errors(gw, scenario, code, msg):
    resp = post(gw.url(scenario))
    assert resp.status_code == 400
    assert resp.json() == {"erno": code, "msg": msg, "words_result": {}}


def test_custom_image_500_has_server_modelarts_and_no_code(gw):
    resp = post(gw.url("model-500"))
    assert resp.status_code == 500
    assert resp.text == "Internal Server Error"
    assert resp.headers["Content-Type"].startswith("text/html")
    assert resp.headers["Server"] == "ModelArts"
    assert "ModelArts." not in resp.text and "APIG." not in resp.text


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_non_post_is_method_not_allowed(gw, method):
    resp = requests.request(method, gw.url("ok"), timeout=5)
    assert resp.status_code == 405
    assert resp.text == "Method Not Allowed"
    assert resp.headers["Content-Type"].startswith("text/plain")


def test_head_is_405_without_body(gw):
    resp = requests.head(gw.url("ok"), timeout=5)
    assert resp.status_code == 405
    assert resp.content == b""


@pytest.mark.parametrize("path", ["/v1/infers/00000000-0000-4000-8000-000000000000", "/predict", "/"])
def test_unknown_service_or_path_is_apig_0101(gw, path):
    resp = post(gw.base + path)
    assert resp.status_code == 404
    assert resp.json()["error_code"] == "APIG.0101"


def test_custom_path_suffix_is_passed_through(gw):
    resp = post(gw.url("mr-0105") + "/predictions/poetry")
    assert resp.status_code == 400
    rec = gw.requests[-1]
    assert rec.scenario == "mr-0105"
    assert rec.suffix == "/predictions/poetry"


def test_url_and_scenario_of_are_inverse(gw):
    for name in SCENARIOS:
        url = gw.url(name)
        assert url.startswith(gw.base + "/v1/infers/")
        assert scenario_of(urlsplit(url).path) == name
        assert gw.scenario_of(urlsplit(url).path + "/x/y") == name
    assert scenario_of("/v1/infers/not-a-uuid") is None
    assert scenario_of("/elsewhere") is None
    with pytest.raises(ValueError):
        gw.url("no-such-scenario")


def test_oversized_body_is_rejected_by_apig(gw):
    resp = post(gw.url("ok"), json=None, data=b"\0" * (MAX_BODY + 1))
    assert resp.status_code == 413
    assert resp.json()["error_code"] == "APIG.0201"


# -- wire behaviour ------------------------------------------------------------------------------------------------


def test_redirect_is_not_followed(gw):
    resp = post(gw.url("redirect"), allow_redirects=False)
    assert resp.status_code == 302
    assert resp.headers["Location"] == REDIRECT_LOCATION


def test_big_body(gw):
    resp = post(gw.url("big"))
    assert resp.status_code == 200
    assert len(resp.content) == BIG_BODY_SIZE
    assert resp.json()["predicted_label"] == "cat"


def test_big_body_reader_may_stop_early(gw):
    with post(gw.url("big"), stream=True) as resp:
        assert int(resp.headers["Content-Length"]) == BIG_BODY_SIZE
        first = next(resp.iter_content(64 * 1024))
        assert first.startswith(b'{"predicted_label"')
    assert post(gw.url("ok")).status_code == 200  # the server shrugs off the hang-up


def test_slow_honours_delay(gw):
    started = time.monotonic()
    resp = post(gw.url("slow") + "?delay=0.3")
    elapsed = time.monotonic() - started
    assert resp.status_code == 200
    assert resp.json()["predicted_label"] == "cat"
    assert 0.3 <= elapsed < 3


def test_slow_times_out_a_short_client_timeout(gw):
    with pytest.raises(requests.exceptions.ReadTimeout):
        post(gw.url("slow") + "?delay=0.5", timeout=0.1)


def test_reset_raises_connection_error(gw):
    before = len(gw.requests)
    with pytest.raises(requests.exceptions.ConnectionError, match="Connection reset by peer"):
        post(gw.url("reset"))  # a real RST, not a clean close
    assert gw.requests[before].scenario == "reset"


def test_stop_does_not_hang_on_a_slow_request():
    gateway = FakeGateway().start()
    errors: list[BaseException] = []

    def call():
        try:
            post(gateway.url("slow") + "?delay=30", timeout=10)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    deadline = time.monotonic() + 3
    while not gateway.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gateway.requests, "slow request never arrived"
    started = time.monotonic()
    gateway.stop()
    assert time.monotonic() - started < 2
    worker.join(timeout=3)
    assert not worker.is_alive()
    assert errors and isinstance(errors[0], requests.exceptions.ConnectionError)


def test_concurrent_requests_are_all_recorded():
    with FakeGateway() as gateway:
        threads = [threading.Thread(target=post, args=(gateway.url("ok"),)) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=5)
        assert len(gateway.requests) == 16
        assert {r.scenario for r in gateway.requests} == {"ok"}


# -- authentication ------------------------------------------------------------------------------------------------


def test_auth_token(gw):
    url = gw.url("auth-token")
    missing = post(url)
    assert missing.status_code == 401
    assert missing.json()["error_code"] == "APIG.0301"
    assert missing.json()["error_msg"] == "Incorrect IAM authentication information: x-auth-token not found"
    wrong = post(url, headers={"X-Auth-Token": "tok-bad"})
    assert wrong.status_code == 401
    assert wrong.json()["error_msg"] == "Incorrect IAM authentication information: decrypt token fail"
    right = post(url, headers={"X-Auth-Token": gw.token})
    assert right.status_code == 200
    assert right.json()["predicted_label"] == "cat"


def test_auth_appcode(gw):
    url = gw.url("auth-appcode")
    for headers in ({}, {"X-Apig-AppCode": gw.appcode + "x"}):
        resp = post(url, headers=headers)
        assert resp.status_code == 401
        assert resp.json()["error_code"] == "APIG.0303"
        assert resp.json()["error_msg"] == (
            "Incorrect app authentication information: app not found with specified appCode"
        )
    assert post(url, headers={"X-Apig-AppCode": gw.appcode}).status_code == 200


def signed_post(gw, url, body, *, ak=None, sk=None, when=None, send_body=None, content_type="application/json"):
    headers = sign_request("POST", url, {"Content-Type": content_type}, body, ak or gw.ak, sk or gw.sk, when=when)
    return requests.post(url, data=body if send_body is None else send_body, headers=headers, timeout=5)


def test_sign_request_headers_shape(gw):
    url = gw.url("auth-aksk")
    headers = sign_request("POST", url, {"Content-Type": "application/json"}, b"{}", gw.ak, gw.sk)
    assert headers["Host"] == f"localhost:{gw.port}"
    assert re.fullmatch(r"\d{8}T\d{6}Z", headers["X-Sdk-Date"])
    assert re.fullmatch(
        rf"SDK-HMAC-SHA256 Access={gw.ak}, SignedHeaders=content-type;host;x-sdk-date, Signature=[0-9a-f]{{64}}",
        headers["Authorization"],
    )


def test_auth_aksk_accepts_a_correct_signature(gw):
    body = json.dumps({"images": "cat.jpg"}).encode()
    resp = signed_post(gw, gw.url("auth-aksk"), body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["predicted_label"] == "cat"


def test_auth_aksk_with_query_and_custom_path(gw):
    url = gw.url("auth-aksk") + "/predictions/poetry?b=two words&a=1"
    resp = signed_post(gw, url, b'{"x": 1}')
    assert resp.status_code == 200, resp.text


def test_auth_aksk_rejects_a_tampered_body(gw):
    resp = signed_post(gw, gw.url("auth-aksk"), b'{"images": "cat.jpg"}', send_body=b'{"images": "dog.jpg"}')
    assert resp.status_code == 401
    assert resp.json()["error_code"] == "APIG.0301"
    assert resp.json()["error_msg"] == "Incorrect IAM authentication information: verify aksk signature fail"


def test_auth_aksk_rejects_a_wrong_secret(gw):
    resp = signed_post(gw, gw.url("auth-aksk"), b"{}", sk=gw.sk + "x")
    assert resp.status_code == 401
    assert "verify aksk signature fail" in resp.json()["error_msg"]


def test_auth_aksk_unsigned_payload_ignores_the_body(gw):
    # Non-JSON content types make the signer send X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD (ModelArts multipart sample).
    url = gw.url("auth-aksk")
    headers = sign_request("POST", url, {"Content-Type": "application/octet-stream"}, b"abc", gw.ak, gw.sk)
    assert headers["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert requests.post(url, data=b"other bytes", headers=headers, timeout=5).status_code == 200


def test_auth_aksk_unknown_ak(gw):
    resp = signed_post(gw, gw.url("auth-aksk"), b"{}", ak="AKUNKNOWNUNKNOWN0001")
    assert resp.status_code == 401
    assert resp.json()["error_msg"] == (
        "Incorrect IAM authentication information: Get secretKey failed,ak:******,err:ak not exist"
    )


def test_auth_aksk_clock_skew(gw):
    resp = signed_post(gw, gw.url("auth-aksk"), b"{}", when=datetime.now(UTC) - timedelta(minutes=20))
    assert resp.status_code == 401
    assert resp.json()["error_code"] == "APIG.0301"
    assert "signature expired" in resp.json()["error_msg"]
    resp = signed_post(gw, gw.url("auth-aksk"), b"{}", when=datetime.now(UTC) - timedelta(minutes=10))
    assert resp.status_code == 200


def test_auth_aksk_without_credentials(gw):
    resp = post(gw.url("auth-aksk"))
    assert resp.status_code == 401
    assert resp.json()["error_msg"].endswith("x-auth-token not found")


def iam_body(password: str, project: str = "cn-north-4") -> dict:
    user = {"name": "alice", "password": password, "domain": {"name": "acme"}}
    return {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
            "scope": {"project": {"name": project}},
        }
    }


def test_iam_issues_a_token():
    with FakeGateway(token="tok-123") as gateway:
        started = datetime.now(UTC)
        resp = requests.post(gateway.iam_url, json=iam_body("pw-good"), timeout=5)
        assert resp.status_code == 201
        assert resp.headers["X-Subject-Token"] == "tok-123"
        token = resp.json()["token"]
        assert token["project"] == {"id": "p1", "name": "cn-north-4"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", token["expires_at"])
        expires = datetime.strptime(token["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert timedelta(hours=23, minutes=59) < expires - started < timedelta(hours=24, minutes=1)
        assert "issued_at" in token

        wrong = requests.post(gateway.iam_url, json=iam_body("pw-bad"), timeout=5)
        assert wrong.status_code == 401
        assert wrong.json() == {"error": {"code": 401, "message": "The username or password is wrong."}}
        assert "X-Subject-Token" not in wrong.headers
        assert gateway.iam_calls == 2

        # the issued token then opens the token-protected service
        ok = post(gateway.url("auth-token"), headers={"X-Auth-Token": resp.headers["X-Subject-Token"]})
        assert ok.status_code == 200


# -- TLS -----------------------------------------------------------------------------------------------------------


def test_plain_gateway_has_no_ca(gw):
    assert gw.ca_file is None
    assert gw.base == f"http://localhost:{gw.port}"


def test_tls_valid_verifies_with_the_test_ca():
    with FakeGateway(tls="valid") as gateway:
        assert gateway.base == f"https://localhost:{gateway.port}"
        assert gateway.ca_file and os.path.exists(gateway.ca_file)
        now = datetime.now(UTC)
        assert timedelta(days=29) < gateway.cert_not_after - now <= timedelta(days=30)
        resp = post(gateway.url("ok"), verify=gateway.ca_file)
        assert resp.status_code == 200
        by_ip = post(gateway.url("ok").replace("localhost", "127.0.0.1"), verify=gateway.ca_file)
        assert by_ip.status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            post(gateway.url("ok"))  # the system trust store does not know the test CA
        with pytest.raises(requests.exceptions.ConnectionError):
            post(gateway.url("reset"), verify=gateway.ca_file)
        ca_file = gateway.ca_file
    assert not os.path.exists(ca_file)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_expired_fails_verification():
    with FakeGateway(tls="expired") as gateway:
        assert gateway.cert_not_after < datetime.now(UTC)
        with pytest.raises(requests.exceptions.SSLError, match="certificate has expired"):
            post(gateway.url("ok"), verify=gateway.ca_file)

        context = ssl.create_default_context(cafile=gateway.ca_file)
        conn = http.client.HTTPSConnection("localhost", gateway.port, context=context, timeout=5)
        with pytest.raises(ssl.SSLCertVerificationError) as info:
            conn.request("POST", urlsplit(gateway.url("ok")).path, body=b"{}")
        conn.close()
        assert info.value.verify_message == "certificate has expired"
        assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)

        assert post(gateway.url("ok"), verify=False).status_code == 200  # the server itself still answers


# -- refused / trapped connections ---------------------------------------------------------------------------------


def test_connection_trap_counts_connections():
    with ConnectionTrap() as trap:
        assert trap.accepted == 0
        with socket.create_connection(("127.0.0.1", trap.port), timeout=2):
            pass
        assert trap.wait(1)
        assert trap.accepted == 1


def test_closed_port_refuses():
    port = closed_port()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(f"http://127.0.0.1:{port}/v1/infers/x", timeout=2)
