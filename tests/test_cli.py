"""The command line contract: diagnose (text, --json, --jsonl), --playbooks/PLAYBOOKS_DIR, lint, console, probe,
reports that refuse a store they cannot read, and how serve reports bad settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {"id", "matched", "playbook", "code", "variant", "layer", "confidence", "why", "title", "cause", "steps",
          "others"}  # fmt: skip
PASTE = '413 {"error_code":"APIG.0201","error_msg":"Request entity too large"}'


def bot(*args: str, stdin: bytes | str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        input=data,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_diagnose_prints_a_readable_answer():
    run = bot("diagnose", PASTE)
    out = run.stdout.decode()
    assert run.returncode == 0
    assert out.startswith("APIG.0201 · API Gateway (APIG) · Request body larger than the gateway allows")
    assert "Cause: " in out and "\n1. " in out and "12 MB" in out


def test_diagnose_json_reads_stdin_and_has_the_contract_fields():
    run = bot("diagnose", "--json", stdin=PASTE)
    obj = json.loads(run.stdout)
    assert obj.keys() >= FIELDS
    assert obj["matched"] is True and obj["playbook"] == "APIG.0201" and obj["variant"] == "body-too-large"
    assert obj["layer"] == "apig" and obj["code"] == "APIG.0201" and 0 < obj["confidence"] <= 1


def test_diagnose_jsonl_answers_every_line_in_order():
    lines = [
        {"id": "a", "text": PASTE},
        {"id": "b", "text": "lunch at noon?"},
        "not json",
        {"id": 7, "text": '{"error_code":"ModelArts.4206","error_msg":"Excessive number of requests to x."}'},
    ]
    feed = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    run = bot("diagnose", "--jsonl", stdin=feed)
    out = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == ["a", "b", None, 7]
    assert [o["matched"] for o in out] == [True, False, False, True]
    assert out[1]["playbook"] is None and out[1].keys() >= FIELDS
    assert "line 3" in out[2]["error"]
    assert out[3]["playbook"] == "ModelArts.4206"


def test_invalid_utf8_on_stdin_is_read_not_fatal():
    run = bot("diagnose", "--json", stdin=b"\xff\xfe APIG.0201 \xc3(")
    assert run.returncode == 0 and json.loads(run.stdout)["playbook"] == "APIG.0201"


def test_playbooks_option_and_env_pick_another_knowledge_base(tmp_path):
    (tmp_path / "APIG.0201.yaml").write_text(
        "code: APIG.0201\ntitle: Our own take on 0201\nlayer: apig\ncause: A cause written by our team.\n"
        "steps: [Ask the platform team.]\nexamples: ['APIG.0201']\n"
    )
    for args, env in [(["--playbooks", str(tmp_path)], None), ([], {"PLAYBOOKS_DIR": str(tmp_path)})]:
        obj = json.loads(bot("diagnose", "--json", *args, PASTE, env=env).stdout)
        assert obj["title"] == "Our own take on 0201"


def test_broken_knowledge_base_stops_diagnose_with_file_and_line(tmp_path):
    (tmp_path / "APIG.0201.yaml").write_text("code: APIG.0201\ntitle: [unclosed\n")
    run = bot("diagnose", "--playbooks", str(tmp_path), PASTE)
    assert run.returncode == 2
    assert "APIG.0201.yaml:3: invalid YAML" in run.stderr.decode()


def test_lint_exit_codes(tmp_path):
    ok = bot("lint")
    assert ok.returncode == 0 and ok.stdout.decode().startswith("ok: ")
    (tmp_path / "MR.0999.yaml").write_text(
        "code: MR.0999\ntitle: Broken\nlayer: model\ncause: A cause that is long enough.\nsteps: [Do it.]\n"
        "examples: ['lunch at noon?']\n"
    )
    bad = bot("lint", str(tmp_path))
    assert bad.returncode == 1
    assert "MR.0999.yaml:6: example does not resolve to any playbook" in bad.stdout.decode()


def test_console_reads_a_piped_paste():
    run = bot("console", stdin=PASTE)
    assert run.returncode == 0 and "APIG.0201" in run.stdout.decode()


def test_console_runs_predict_check_and_probe_refuses_with_exit_2(tmp_path):
    from tests.doubles.fake_gateway import FakeGateway

    with FakeGateway() as gateway:
        services = tmp_path / "services.yaml"
        services.write_text(f"services:\n  svc:\n    url: {gateway.url('apig-0308')}\n")
        run = bot("console", "--services", str(services), stdin="/predict-check svc")
        out = run.stdout.decode()
        assert run.returncode == 0 and "probe svc: fails at API Gateway (APIG)" in out and "APIG.0308" in out
        refused = bot("probe", "http://10.1.2.3/v1/infers/x")
        assert refused.returncode == 2 and "not an allowed probe host" in refused.stdout.decode()
        unknown = bot("probe", "nope", "--services", str(services))
        assert unknown.returncode == 2 and "Registered services: `svc`" in unknown.stdout.decode()


def bot_in(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m bot`` run from ``cwd``, with STATE_URL only if ``env`` sets it."""
    base = {k: v for k, v in os.environ.items() if k != "STATE_URL"} | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=base | (env or {}),
        timeout=60,
    )


def test_reports_stop_on_a_redis_that_does_not_answer(tmp_path):
    for command in ("stats", "gaps"):
        run = bot_in(tmp_path, command, env={"STATE_URL": "redis://127.0.0.1:1/0"})
        assert run.returncode == 2 and run.stdout == ""
        assert "Cannot read the bot's state: STATE_URL=redis://127.0.0.1:1/0: Redis does not answer" in run.stderr


def test_reports_stop_on_a_missing_state_file_and_create_none(tmp_path):
    for command in ("stats", "gaps"):
        run = bot_in(tmp_path, command, "--json")
        assert run.returncode == 2 and run.stdout == ""
        assert str(tmp_path / "state" / "bot.sqlite3") in run.stderr and "STATE_URL is not set" in run.stderr
    assert list(tmp_path.iterdir()) == []


SLACK_HTTP = {"SLACK_BOT_TOKEN": "xoxb-1-test", "SLACK_SIGNING_SECRET": "s3cret", "SLACK_APP_TOKEN": ""}


def test_serve_reports_an_unknown_log_level_like_other_settings(tmp_path):
    run = bot_in(tmp_path, "serve", "--http", env={**SLACK_HTTP, "LOG_LEVEL": "loud"})
    assert run.returncode == 2
    assert run.stderr.startswith("Cannot start the Slack bot:\nLOG_LEVEL='loud' is not a log level")


def test_serve_stops_on_a_broken_knowledge_base_with_file_and_line(tmp_path):
    (tmp_path / "APIG.0201.yaml").write_text("code: APIG.0201\ntitle: [unclosed\n")
    run = bot_in(tmp_path, "serve", "--http", "--playbooks", str(tmp_path), env={**SLACK_HTTP, "LOG_LEVEL": "info"})
    assert run.returncode == 2
    assert "Cannot start the Slack bot:\nthe knowledge base has errors:\n" in run.stderr
    assert "APIG.0201.yaml:3: invalid YAML" in run.stderr


def test_serve_loads_playbooks_once_and_port_is_the_socket_health_port(monkeypatch, capsys):
    from bot import cli, logs, runtime
    from bot.playbook import PlaybookError, PlaybookLoadError

    served = []
    monkeypatch.setattr(logs, "setup_logging", lambda level: None)
    monkeypatch.setattr(cli.KnowledgeBase, "load", lambda *a: pytest.fail("serve loaded the playbooks itself"))
    monkeypatch.setattr(runtime, "serve_socket", lambda settings: served.append(settings.server.health_port) or 0)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-test")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-test")
    monkeypatch.delenv("HEALTH_PORT", raising=False)
    assert cli.main(["serve", "--port", "8123"]) == 0
    assert cli.main(["serve"]) == 0
    monkeypatch.setenv("HEALTH_PORT", "9000")
    assert cli.main(["serve", "--port", "8123"]) == 0
    assert served == [8123, None, 9000]

    def broken(*args):
        raise PlaybookLoadError([PlaybookError("apig/APIG.0201.yaml", 6, "invalid YAML")])

    monkeypatch.setattr(runtime, "serve_socket", broken)
    capsys.readouterr()
    assert cli.main(["serve"]) == 2
    assert capsys.readouterr().err == (
        "Cannot start the Slack bot:\nthe knowledge base has errors:\napig/APIG.0201.yaml:6: invalid YAML\n"
    )


# -- probe: a credential or header that cannot go on one line is refused by name, never printed ---------------------

LINE_BREAKS = [
    ({"type": "token", "token_env": "T_TOKEN"}, {"T_TOKEN": "MIIEhQYJKoZIhvcNAQcC\r\nX-Injected: MIIEoIIEdjCCBHICAQEx"}, "T_TOKEN"),
    ({"type": "appcode", "appcode_env": "T_APPCODE"}, {"T_APPCODE": "a1b2c3d4e5f6a7b8\nc9d0e1f2a3b4c5d6"}, "T_APPCODE"),
    ({"type": "api_key", "key_env": "MAAS_KEY"}, {"MAAS_KEY": "maas-0123456789abcdef\rghijklmnopqrstuvwxyz"}, "MAAS_KEY"),
    ({"type": "aksk", "key_env": "T_AK", "secret_env": "T_SK"},
     {"T_AK": "QWERTYUIOP\r\n1234ASDFGH", "T_SK": "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa9876"}, "T_AK"),
    ({"type": "aksk", "key_env": "T_AK", "secret_env": "T_SK"},
     {"T_AK": "QWERTYUIOP1234ASDFGH", "T_SK": "Zx9Yw8Vu7Ts6Rq5Po4Nm\n3Lk2Ji1Hg0FeDcBa9876"}, "T_SK"),
    ({"type": "aksk", "key_env": "T_AK", "secret_env": "T_SK"},
     {"T_AK": "QWERTYUIOP\u20281234ASDFGH", "T_SK": "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa9876"}, "T_AK"),
    ({"type": "iam_password", "iam_url": "https://iam.cn-north-4.myhuaweicloud.com", "domain": "d", "user": "u",
      "password_env": "PW", "project": "p"}, {"PW": "hunter2-pw\r\nX-Injected: 1"}, "PW"),
]  # fmt: skip


def pieces(secret: str) -> list[str]:
    """The parts of a secret either side of its line break: none may show."""
    return [part for part in secret.replace("\r", "\n").split("\n") if len(part.strip()) >= 6]


@pytest.mark.parametrize("json_out", [False, True], ids=["text", "json"])
@pytest.mark.parametrize(("auth", "env", "named"), LINE_BREAKS, ids=[c[2] + str(i) for i, c in enumerate(LINE_BREAKS)])
def test_probe_refuses_a_credential_with_a_line_break_by_name_and_never_prints_it(
    tmp_path, monkeypatch, capsys, kb, auth, env, named, json_out
):
    from bot import cli
    from tests.doubles.fake_gateway import ConnectionTrap

    monkeypatch.setattr(cli.KnowledgeBase, "load", lambda *args: kb)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with ConnectionTrap() as trap:
        services = tmp_path / "services.yaml"
        services.write_text(json.dumps({"services": {"svc": {"url": f"http://127.0.0.1:{trap.port}/v1/infers/x",
                                                             "auth": auth}}}))  # fmt: skip
        code = cli.main(["probe", "svc", "--services", str(services), *(["--json"] if json_out else [])])
        assert trap.accepted == 0
    out, err = capsys.readouterr()
    refusal = json.loads(out)["refused"] if json_out else out
    assert code == 2 and "Traceback" not in out + err and err == ""
    assert f"cannot authenticate: environment variable {named} holds" in refusal
    assert not [p for secret in env.values() for p in pieces(secret) if p in out + err], out + err


def test_probe_refuses_a_header_line_break_in_the_services_file_naming_file_entry_field_and_line(
    tmp_path, monkeypatch, capsys, kb
):
    from bot import cli

    monkeypatch.setattr(cli.KnowledgeBase, "load", lambda *args: kb)
    services = tmp_path / "services.yaml"
    services.write_text('services:\n  svc:\n    url: http://127.0.0.1:9/v1/infers/x\n'
                        '    headers: {X-Trace: "abc\\r\\nX-Injected: injected-value"}\n')  # fmt: skip
    code = cli.main(["probe", "svc", "--services", str(services)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    field = "service 'svc' field 'headers.X-Trace'"
    assert err == f"{services}:4: {field} must be one line of text (no CR/LF or other control characters)\n"
    assert "injected-value" not in err
