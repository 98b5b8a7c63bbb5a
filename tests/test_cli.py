"""The command line contract: diagnose (text, --json, --jsonl), --playbooks/PLAYBOOKS_DIR, lint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
