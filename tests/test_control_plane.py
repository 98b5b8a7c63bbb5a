"""The control-plane lookup, through the real vendor SDK, against a fake ModelArts management API on a local socket."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

import pytest

from bot.probe.control_plane import ControlPlane, ServiceEvent, ServiceState
from bot.settings import Settings
from tests.doubles.fake_modelarts_api import FakeModelArtsAPI

AK = "QWERTYUIOPASDFGHJKL1"
SK = "Zx9Kp2Lm4Nq6Rs8Tu0Vw1Xy3Za5Bc7De9Fg1Hi3J"
PROJECT = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
RUNNING_ID = "2d3b5f0e-7c4a-4b7e-9a51-3f6c1d2e4a10"
STOPPED_ID = "8e1c9a47-52b6-4f0d-8c3e-a9d7b6f5e421"
SECOND = 1000  # event times are epoch milliseconds
T0 = 1716000000000

SERVICES = {
    RUNNING_ID: {
        "name": "ocr-v2",
        "status": "RUNNING",
        "events": [  # deliberately out of order: the API sorts, the caller must get newest first
            {"event_type": "NORMAL", "event_info": "start to deploy service", "update_at": T0},
            {"event_type": "NORMAL", "event_info": "service is running", "update_at": T0 + 300 * SECOND},
            {"event_type": "WARNING", "event_info": "[Alarm] CPU usage above 90%", "update_at": T0 + 900 * SECOND},
            {"event_type": "NORMAL", "event_info": "pulling image", "update_at": T0 + 60 * SECOND},
            {"event_type": "NORMAL", "event_info": "scale out to 2 instances", "update_at": T0 + 600 * SECOND},
        ],
    },
    STOPPED_ID: {
        "name": "asr-prod",
        "status": "FAILED",
        "failure_reason": "deploy timeout: instance not ready in 30 minutes",
        "events": [
            {"event_type": "NORMAL", "event_info": "start to deploy service", "update_at": T0},
            {
                "event_type": "ABNORMAL",
                "event_info": 'Failed to pull image "swr.cn-north-4.myhuaweicloud.com/team/asr:1.4": ErrImagePull',
                "event_count": 12,
                "update_at": T0 + 120 * SECOND,
            },
        ],
    },
}


@pytest.fixture
def api():
    with FakeModelArtsAPI(SERVICES) as fake:
        yield fake


def plane(endpoint: str, timeout_s: float = 5.0) -> ControlPlane:
    return ControlPlane(endpoint, PROJECT, "cn-north-4", AK, SK, timeout_s=timeout_s)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_no_secret(state: ServiceState) -> None:
    for text in (state.error or "", state.summary(), repr(state)):
        assert SK not in text
        assert AK not in text


# -- configuration ------------------------------------------------------------------------------------


def control_plane(env: dict) -> ControlPlane | None:
    return ControlPlane.from_settings(Settings.from_env(env).control_plane)


def test_no_control_plane_unless_endpoint_project_and_keys_are_all_set():
    full = {
        "MODELARTS_ENDPOINT": "https://modelarts.cn-north-4.myhuaweicloud.com",
        "MODELARTS_PROJECT_ID": PROJECT,
        "HUAWEICLOUD_SDK_AK": AK,
        "HUAWEICLOUD_SDK_SK": SK,
    }
    assert control_plane({}) is None
    for missing in full:
        assert control_plane({k: v for k, v in full.items() if k != missing}) is None
    assert control_plane({**full, "HUAWEICLOUD_SDK_SK": "  "}) is None


def test_the_settings_give_the_control_plane_and_the_region_comes_from_the_endpoint():
    env = {
        "MODELARTS_ENDPOINT": "https://modelarts.cn-north-4.myhuaweicloud.com/",
        "MODELARTS_PROJECT_ID": PROJECT,
        "HUAWEICLOUD_SDK_AK": AK,
        "HUAWEICLOUD_SDK_SK": SK,
    }
    cp = control_plane(env)
    assert cp == ControlPlane("https://modelarts.cn-north-4.myhuaweicloud.com", PROJECT, "cn-north-4", AK, SK)
    assert control_plane({**env, "MODELARTS_REGION": "ap-southeast-1"}).region == "ap-southeast-1"
    assert control_plane({**env, "MODELARTS_ENDPOINT": "http://127.0.0.1:8080"}).region == ""
    assert SK not in repr(cp) and AK not in repr(cp)
    assert SK not in repr(Settings.from_env(env)) and AK not in repr(Settings.from_env(env))


def test_the_settings_read_the_process_environment(monkeypatch):
    monkeypatch.setenv("MODELARTS_ENDPOINT", "https://modelarts.ap-southeast-3.myhuaweicloud.com")
    monkeypatch.setenv("MODELARTS_PROJECT_ID", PROJECT)
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", AK)
    monkeypatch.delenv("HUAWEICLOUD_SDK_SK", raising=False)
    assert ControlPlane.from_settings(Settings.from_env().control_plane) is None
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", SK)
    assert ControlPlane.from_settings(Settings.from_env().control_plane).region == "ap-southeast-3"


# -- lookups over the wire ----------------------------------------------------------------------------


def test_running_service_maps_status_and_newest_events_within_the_limit(api):
    state = plane(api.base).service_state(RUNNING_ID, limit=3)

    assert state.error is None
    assert (state.service_id, state.name, state.status, state.failed_reason) == (RUNNING_ID, "ocr-v2", "running", None)
    assert state.events == (
        ServiceEvent("2024-05-18T02:55:00Z", "WARNING", "[Alarm] CPU usage above 90%"),
        ServiceEvent("2024-05-18T02:50:00Z", "NORMAL", "scale out to 2 instances"),
        ServiceEvent("2024-05-18T02:45:00Z", "NORMAL", "service is running"),
    )
    assert state.summary() == (
        "service ocr-v2 is running; last events: WARNING [Alarm] CPU usage above 90%; "
        "NORMAL scale out to 2 instances; NORMAL service is running"
    )

    detail, events = api.requests
    assert (detail.method, detail.path) == ("GET", f"/v2/{PROJECT}/services/{RUNNING_ID}")
    assert (events.method, events.path) == ("GET", f"/v2/{PROJECT}/services/{RUNNING_ID}/events")
    assert events.query == {"limit": "3", "sort_key": "update_at", "sort_dir": "DESC"}


def test_failed_service_with_image_pull_error_is_reported(api):
    state = plane(api.base).service_state(STOPPED_ID)

    assert state.error is None
    assert state.status == "failed"
    assert state.failed_reason == "deploy timeout: instance not ready in 30 minutes"
    assert [e.level for e in state.events] == ["ABNORMAL", "NORMAL"]
    assert "ErrImagePull" in state.events[0].message
    summary = state.summary()
    assert summary.startswith("service asr-prod is failed (deploy timeout: instance not ready in 30 minutes)")
    assert "ABNORMAL Failed to pull image" in summary and "ErrImagePull" in summary
    assert "\n" not in summary


def test_stopped_service_without_events(api):
    api.services["idle"] = {"name": "batch-ocr", "status": "STOPPED"}
    state = plane(api.base).service_state("idle")
    assert (state.status, state.events, state.error) == ("stopped", (), None)
    assert state.summary() == "service batch-ocr is stopped; no recent events"


def test_unknown_service_is_an_error_not_an_exception(api):
    state = plane(api.base).service_state("no-such-service")

    assert state.status is None and state.events == ()
    assert "404" in state.error and "ModelArts.3502" in state.error and "not found" in state.error
    assert state.summary() == f"service no-such-service: control-plane lookup failed: {state.error}"
    assert len(api.requests) == 1  # no events lookup for a service that is not there
    assert_no_secret(state)


def test_every_request_is_signed_with_sdk_hmac_sha256(api):
    plane(api.base).service_state(RUNNING_ID)
    plane(api.base).service_state("no-such-service")

    assert len(api.requests) == 3
    for request in api.requests:
        auth = request.headers["Authorization"]
        assert auth.startswith(f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=")
        assert "Signature=" in auth and SK not in auth
        assert request.headers["X-Sdk-Date"]


def test_unreachable_endpoint_fails_fast_without_raising():
    started = time.monotonic()
    state = plane(f"http://127.0.0.1:{free_port()}", timeout_s=1.0).service_state(RUNNING_ID)

    assert time.monotonic() - started < 1.0
    assert state.status is None
    assert "cannot reach" in state.error and "connection refused" in state.error
    assert_no_secret(state)


def test_silent_endpoint_gives_up_after_the_timeout(api):
    api.delay_s = 3.0
    started = time.monotonic()
    state = plane(api.base, timeout_s=0.3).service_state(RUNNING_ID)

    assert time.monotonic() - started < 1.5  # one call, no retries
    assert state.error == f"no answer from {api.base} within 0.3s"
    assert len(api.requests) == 1


def test_events_failure_keeps_the_status(api):
    api.fail_events_with = (500, {"error_code": "ModelArts.0001", "error_msg": "internal error"})
    state = plane(api.base).service_state(RUNNING_ID)

    assert state.status == "running" and state.events == ()
    assert state.error == "HTTP 500 ModelArts.0001: internal error"
    assert state.summary() == "service ocr-v2 is running; events unavailable: HTTP 500 ModelArts.0001: internal error"


def test_secrets_echoed_by_the_server_are_masked(api):
    api.fail_with = (
        401,
        {"error_code": "APIG.0301", "error_msg": f"Incorrect IAM authentication information: ak {AK} sk {SK}"},
    )
    state = plane(api.base).service_state(RUNNING_ID)

    assert state.error.startswith("HTTP 401 APIG.0301: Incorrect IAM authentication information")
    assert_no_secret(state)


def test_fake_rejects_unsigned_requests(api):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{api.base}/v2/{PROJECT}/services/{RUNNING_ID}", timeout=5)

    assert caught.value.code == 401
    assert json.loads(caught.value.read())["error_code"] == "APIG.1002"
    assert api.requests[0].headers.get("Authorization") is None
