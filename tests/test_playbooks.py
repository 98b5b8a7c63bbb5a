"""The knowledge base: shipped playbooks lint clean; a broken one is refused with file and line."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.knowledge import SHIPPED_DIR, KnowledgeBase
from bot.lint import lint
from bot.matcher import Matcher
from bot.playbook import SCHEMA_PATH, PlaybookLoadError

GOOD = """\
code: APIG.0999
title: Test playbook
layer: apig
http_status: [400]
messages: ["A very particular test message, with a comma"]
cause: Something specific went wrong in the test.
steps:
  - Do the first thing.
title_zh: 测试用的剧本
cause_zh: 测试中出了一个具体的问题。
steps_zh:
  - 先做第一件事。
examples:
  - '{"error_code":"APIG.0999","error_msg":"A very particular test message, with a comma"}'
counterexamples:
  - lunch at noon?
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_shipped_playbooks_lint_clean():
    errors, checked = lint(SHIPPED_DIR)
    assert [str(e) for e in errors] == []
    assert checked > 200


def test_every_shipped_playbook_validates_against_the_editor_schema():
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    for path in SHIPPED_DIR.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=../schema.json"), path
        assert not list(validator.iter_errors(yaml.safe_load(text))), path


def test_coverage_of_codes_families_and_code_less_playbooks(kb):
    for code in [
        "APIG.XXXX", "ModelArts.XXXX", "MR.XXXX", "method-not-allowed", "request-timed-out", "client-network",
        "APIG.0101", "APIG.0201", "APIG.0301", "APIG.0303", "APIG.0308", "APIG.1009", "ModelArts.4206",
        "ModelArts.4302", "ModelArts.4503", "ModelArts.4205", "ModelArts.4104", "MR.0105", "MR.0101", "CF2.E00003",
    ]:  # fmt: skip
        assert kb.get(code), code
    assert {v.id for v in kb.get("ModelArts.4503").variants} >= {"keep-alive", "https-mismatch", "slow-inference",
                                                                   "crash-loop"}  # fmt: skip
    assert {s for v in kb.get("APIG.0201").variants for s in v.http_status} >= {400, 413, 414, 494, 500, 502, 504}


def test_a_good_playbook_lints_clean(tmp_path):
    write(tmp_path, "APIG.0999.yaml", GOOD)
    errors, checked = lint(tmp_path)
    assert errors == [] and checked == 2


@pytest.mark.parametrize(
    ("name", "text", "line", "words"),
    [
        ("APIG.0999.yaml", GOOD.replace("layer: apig", "layer: apig\n  oops: [1"), 4, "invalid YAML"),
        ("APIG.0999.yaml", GOOD.replace("http_status: [400]", "http_status: [400, loud]"), 4, "must be integer"),
        ("APIG.0999.yaml", GOOD.replace("layer: apig", "layer: gateway"), 3, "layer must be one of"),
        ("APIG.0999.yaml", GOOD.replace("steps:\n  - Do the first thing.\n", ""), 1, "must contain ['steps']"),
        ("APIG.0999.yaml", GOOD + "symptoms: ['(unclosed']\n", 17, "bad symptom regex: missing )"),
        ("APIG.0999.yaml", GOOD + "symptoms: ['\\bfoo(?!bar)']\n", 17, "no lookaround"),
        ("APIG.0998.yaml", GOOD, 1, "file must be named APIG.0999.yaml"),
        ("APIG.0999.yaml", GOOD + "related: [APIG.0000]\n", 17, "related code APIG.0000 has no playbook"),
    ],
)
def test_malformed_playbook_names_file_and_line(tmp_path, name, text, line, words):
    write(tmp_path, name, text)
    with pytest.raises(PlaybookLoadError) as caught:
        KnowledgeBase.load(tmp_path)
    (error,) = caught.value.errors
    assert (error.path, error.line) == (name, line), str(error)
    assert words in error.message


def test_a_catastrophic_symptom_costs_no_more_than_a_plain_one(tmp_path):
    # '(a+)+b' takes Python's backtracking engine seconds on 30 a's; RE2 runs it in linear time.
    write(tmp_path, "APIG.0999.yaml", GOOD + "symptoms: ['(a+)+b']\n")
    kb = KnowledgeBase.load(tmp_path)
    started = time.perf_counter()
    diagnosis = Matcher(kb).diagnose("ModelArts prediction failed: " + "a" * 5000 + "!")
    assert time.perf_counter() - started < 1.0
    assert diagnosis.best is None or diagnosis.best.playbook.code != "APIG.0999"


def test_duplicate_codes_collide(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(tmp_path / "a", "APIG.0999.yaml", GOOD)
    write(tmp_path / "b", "APIG.0999.yaml", GOOD.replace("Test playbook", "Another"))
    with pytest.raises(PlaybookLoadError, match=r"also defined in a/APIG\.0999\.yaml"):
        KnowledgeBase.load(tmp_path)


MISLEADING = GOOD.replace("http_status: [400]\n", "").replace(
    """examples:
  - '{"error_code":"APIG.0999","error_msg":"A very particular test message, with a comma"}'
counterexamples:
  - lunch at noon?
""",
    """examples:
  - 'APIG.0999 A very particular test message, with a comma'
  - '413 {"error_code":"APIG.0201","error_msg":"Request entity too large"}'
counterexamples:
  - 'APIG.0999 is back'
""",
)


def test_lint_reports_examples_that_resolve_elsewhere_and_counterexamples_that_match(tmp_path):
    other = (SHIPPED_DIR / "apig" / "APIG.0201.yaml").read_text()
    write(tmp_path, "APIG.0201.yaml", "\n".join(x for x in other.splitlines() if not x.startswith("related:")))
    write(tmp_path, "APIG.0999.yaml", MISLEADING)
    errors, _ = lint(tmp_path)
    found = sorted((e.path, e.line, e.message.split(" (")[0]) for e in errors)
    assert found == [
        ("APIG.0999.yaml", 14, "example resolves to APIG.0201 instead"),
        ("APIG.0999.yaml", 16, "counterexample resolves to this playbook"),
    ]


def test_folder_without_playbooks_is_an_error(tmp_path):
    with pytest.raises(PlaybookLoadError, match="no playbooks"):
        KnowledgeBase.load(tmp_path)


def test_lint_wants_chinese_for_every_title_cause_and_step(tmp_path):
    write(
        tmp_path,
        "APIG.0999.yaml",
        GOOD.replace("steps_zh:\n  - 先做第一件事。\n", "").replace("title_zh: 测试用的剧本\n", ""),
    )
    errors, _ = lint(tmp_path)
    assert [(e.path, e.line, e.message) for e in errors] == [
        ("APIG.0999.yaml", 1, "playbook lacks title_zh, steps_zh (0 of 1 steps)")
    ]


def test_lint_refuses_a_step_that_asks_for_the_paste_again(tmp_path):
    write(
        tmp_path, "APIG.0999.yaml", GOOD.replace("  - Do the first thing.\n", "  - Paste the full error body here.\n")
    )
    errors, _ = lint(tmp_path)
    assert [(e.line, e.message) for e in errors] == [(8, "step asks for what the paste already holds")]
