"""Console text and JSON renderings of a diagnosis, pinned by golden files."""

from __future__ import annotations

import json

import pytest

from bot.render.payload import diagnosis_dict
from bot.render.text import render_text
from tests.golden_cases import CASES, check_golden


@pytest.mark.parametrize("name", sorted(CASES))
def test_text_rendering(matcher, name):
    check_golden(f"text/{name}.txt", render_text(matcher.diagnose(CASES[name])))


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_rendering(matcher, name):
    rendered = json.dumps(diagnosis_dict(matcher.diagnose(CASES[name]), name), ensure_ascii=False, indent=2)
    check_golden(f"json/{name}.json", rendered + "\n")


def test_a_chinese_paste_gets_its_title_cause_and_steps_in_chinese(matcher):
    text = render_text(matcher.diagnose(CASES["zh-apig-0301-decrypt"]))
    assert "原因: " in text and "处理步骤:" in text and "Cause: " not in text and "Fix:" not in text
    title, _, steps = matcher.diagnose(CASES["zh-apig-0301-decrypt"]).best.localised("zh")
    assert title in text and all(step[:20] in text for step in steps)
