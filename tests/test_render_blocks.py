"""Block Kit rendering: golden files for typical answers, and Slack's limits on hostile input."""

from __future__ import annotations

import json

import pytest

from bot.render.blocks import MAX_BLOCKS, SECTION_LIMIT, esc, render_answer, render_feedback_done
from tests.golden_cases import CASES, check_golden


@pytest.mark.parametrize("name", sorted(CASES))
def test_block_kit_rendering(matcher, name):
    message = render_answer(matcher.diagnose(CASES[name]))
    rendered = json.dumps({"text": message.text, "blocks": message.blocks}, ensure_ascii=False, indent=2)
    check_golden(f"blocks/{name}.json", rendered + "\n")


def test_secrets_notice_and_limits_hold_for_huge_pastes(matcher):
    paste = "Traceback:\n" + "  File 'x.py', line 1, in <module>\n" * 20_000 + "APIG.0201 Request entity too large"
    message = render_answer(matcher.diagnose(paste), secrets=("IAM token",))
    assert len(message.blocks) <= MAX_BLOCKS
    texts = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert texts and all(len(t) <= SECTION_LIMIT for t in texts)
    assert "masked credentials in your paste (IAM token)" in json.dumps(message.blocks)


def test_mrkdwn_is_escaped():
    assert esc("curl -kv <prediction URL> & more") == "curl -kv &lt;prediction URL&gt; &amp; more"


def test_button_values_stay_short(matcher):
    for paste in CASES.values():
        message = render_answer(matcher.diagnose(paste))
        for block in message.blocks:
            for element in block.get("elements", []):
                assert len(element.get("value", "")) <= 100


def test_feedback_replaces_only_the_buttons(matcher):
    blocks = render_answer(matcher.diagnose(CASES["apig-0201-body-too-large"])).blocks
    done = render_feedback_done(blocks, "U9", helpful=True)
    assert len(done) == len(blocks)
    assert done[:-1] == blocks[:-1] and done[-1]["type"] == "context" and "<@U9>" in json.dumps(done[-1])
