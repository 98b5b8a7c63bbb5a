"""Live probes of MaaS chat endpoints against the fake MaaS gateway on 127.0.0.1, through the CLI.

One registered service per case, `auth: {type: api_key, key_env: MAAS_KEY}` (Bearer key from the environment) and
a one-token chat body; each 81xxx answer, the engine's context-length body and the wrapper's HTTP-200 stream with an
error inside must name their playbook, and the key must never show in what the CLI prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.doubles.fake_maas import FakeMaas

ROOT = Path(__file__).resolve().parent.parent
KEY_ENV = "MAAS_KEY"
API_KEY = {"type": "api_key", "key_env": KEY_ENV}
MODEL = "deepseek-v3.2"
PROMPT = "Reply with one word: is this endpoint up? Thanks, bot!"  # 20 prompt tokens for the fake's tokenizer
MY_SERVICE = "8d2d3d1c-6a3c-4d0e-9c1a-2b3c4d5e6f70"  # a "My services" deployment id
WRONG_KEY = "wrong-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123456789"


@pytest.fixture
def maas():
    with FakeMaas() as fake:
        yield fake


def services_file(tmp_path: Path, services: dict) -> Path:
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump({"services": services}))
    return path


def chat_service(
    maas: FakeMaas, *, path: str = "/v2/chat/completions", model: str = MODEL, auth: dict = API_KEY, **body
) -> dict:
    request = {"model": model, "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 1, **body}
    return {"url": maas.base + path, "auth": auth, "body": json.dumps(request)}


def run_cli(target: str, services: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and k != KEY_ENV}
    args = [sys.executable, "-m", "bot", "probe", target, "--json", "--services", str(services)]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env={**clean, **env}, timeout=60)


# case, key behaviour (None: no key, "wrong": a key the gateway does not know), service fields,
# HTTP status, verdict, playbook
CASES = [
    ("ok", "ok", {}, 200, "ok", None),
    ("ok-stream", "ok", {"stream": True}, 200, "ok", None),
    ("my-services-path", "ok", {"path": f"/v1/infers/{MY_SERVICE}/v1/chat/completions"}, 200, "ok", None),
    ("no-key", None, {}, 400, "maas", "ModelArts.81002"),
    ("wrong-key", "wrong", {}, 401, "maas", "ModelArts.81003"),
    ("model-not-enabled", "ok", {"model": "deepseek-v4-pro"}, 403, "maas", "ModelArts.81004"),
    ("frozen", "frozen", {}, 403, "maas", "ModelArts.81006"),
    ("unknown-model", "ok", {"model": "DeepSeek-V3.2"}, 404, "maas", "ModelArts.81009"),
    ("rpm-limit", "rpm-limited", {}, 429, "maas", "ModelArts.81101"),
    # 20 prompt tokens + 8222 > 4096: the engine's literal "you requested 8242 tokens (20 ..., 8222 ...)"
    ("context-length", "ok", {"model": "llama-2-7b-chat", "max_tokens": 8222}, 400, "engine", "llm-bad-request"),
    ("stream-81111-on-200", "stream-81111", {}, 200, "maas", "ModelArts.81111"),
]


@pytest.mark.parametrize(
    ("case", "behaviour", "fields", "status", "verdict", "playbook"), CASES, ids=[c[0] for c in CASES]
)
def test_maas_answers_through_the_cli(tmp_path, maas, case, behaviour, fields, status, verdict, playbook):
    service = chat_service(maas, auth=API_KEY if behaviour else {"type": "none"}, **fields)
    key = None if behaviour is None else WRONG_KEY if behaviour == "wrong" else maas.key(behaviour)
    run = run_cli("chat", services_file(tmp_path, {"chat": service}), **({KEY_ENV: key} if key else {}))

    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["refused"] is None
    assert (result["status"], result["playbook"]) == (status, playbook), run.stdout
    assert result["verdict"] == verdict, run.stdout
    failing = [p["name"] for p in result["phases"] if not p["ok"]]
    assert failing == ([] if verdict == "ok" else ["request"])
    if case == "stream-81111-on-200":
        assert "the body carries an error" in result["phases"][-1]["detail"]
    if case == "no-key":
        assert any("reachable" in note for note in result["notes"]), result["notes"]

    [received] = maas.requests
    assert (received.method, received.path) == ("POST", service["url"].removeprefix(maas.base))
    if key:
        assert received.headers["authorization"] == f"Bearer {key}"
        assert key not in run.stdout and key not in run.stderr
    else:
        assert "authorization" not in received.headers
    for other in maas.keys:  # no configured key leaks either
        assert other not in run.stdout + run.stderr


def test_api_key_auth_without_key_env_is_refused_naming_file_entry_and_field(tmp_path, maas):
    services = services_file(tmp_path, {"chat": chat_service(maas, auth={"type": "api_key"})})
    run = run_cli("chat", services, **{KEY_ENV: maas.key()})
    assert run.returncode == 2
    assert str(services) in run.stderr and "'chat'" in run.stderr and "auth.key_env" in run.stderr, run.stderr
    assert maas.requests == []
    assert maas.key() not in run.stdout + run.stderr


def test_a_key_with_a_stray_line_break_is_trimmed_or_refused_and_never_printed(maas, tmp_path):
    services = services_file(tmp_path, {"chat": chat_service(maas)})
    key = maas.key("ok")
    run = run_cli("chat", services, **{KEY_ENV: key + "\n"})
    assert run.returncode == 0 and json.loads(run.stdout)["verdict"] == "ok"
    broken = key[:20] + "\r\n" + key[20:]
    run = run_cli("chat", services, **{KEY_ENV: broken})
    result = json.loads(run.stdout)
    assert run.returncode == 2 and result["verdict"] is None and KEY_ENV in result["refused"]
    assert key[:20] not in run.stdout + run.stderr and key[20:] not in run.stdout + run.stderr
