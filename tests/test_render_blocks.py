"""Block Kit rendering: golden files for typical answers, and Slack's limits on hostile input."""

from __future__ import annotations

import json

import pytest

from bot.slack.blocks import esc, render_answer, render_feedback_done
from bot.slack.protocol import BUTTON_VALUE_LIMIT, MAX_BLOCKS, SECTION_LIMIT, button_value, paste_of
from tests.golden_cases import CASES, check_golden

PASTE_TS = "1700000001.000100"


@pytest.mark.parametrize("name", sorted(CASES))
def test_block_kit_rendering(matcher, name):
    message = render_answer(matcher.diagnose(CASES[name]), paste_ts=PASTE_TS)
    rendered = json.dumps({"text": message.text, "blocks": message.blocks}, ensure_ascii=False, indent=2)
    check_golden(f"blocks/{name}.json", rendered + "\n")


def test_secrets_notice_and_limits_hold_for_huge_pastes(matcher):
    paste = "Traceback:\n" + "  File 'x.py', line 1, in <module>\n" * 20_000 + "APIG.0201 Request entity too large"
    message = render_answer(matcher.diagnose(paste), paste_ts=PASTE_TS, secrets=("IAM token",))
    assert len(message.blocks) <= MAX_BLOCKS
    texts = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert texts and all(len(t) <= SECTION_LIMIT for t in texts)
    assert "masked credentials in your paste (IAM token)" in json.dumps(message.blocks)


def test_mrkdwn_is_escaped():
    assert esc("curl -kv <prediction URL> & more") == "curl -kv &lt;prediction URL&gt; &amp; more"


def test_buttons_carry_only_the_paste_they_answer(matcher):
    for paste in CASES.values():
        message = render_answer(matcher.diagnose(paste), probe="ocr-prod", paste_ts="1700000001.000100")
        values = [e["value"] for b in message.blocks for e in b.get("elements", []) if "value" in e]
        assert values and all(paste_of(v) == "1700000001.000100" for v in values)
        assert all(len(v) <= BUTTON_VALUE_LIMIT for v in values)


def test_button_values_round_trip_and_refuse_what_the_bot_did_not_issue():
    for ts in ("1700000001.000100", "1.2", "123456789012.12345678"):
        assert paste_of(button_value(ts)) == ts
    for forged in ("", None, "APIG.0201|body-too-large|1700000001.000100", "p=../../x", "p=1.2|extra", "url:http://x"):
        assert paste_of(forged) is None
    with pytest.raises(ValueError):
        button_value("not-a-ts")


def test_feedback_replaces_only_the_buttons(matcher):
    blocks = render_answer(matcher.diagnose(CASES["apig-0201-body-too-large"]), paste_ts=PASTE_TS).blocks
    done = render_feedback_done(blocks, "U9", helpful=True)
    assert len(done) == len(blocks)
    assert done[:-1] == blocks[:-1] and done[-1]["type"] == "context" and "<@U9>" in json.dumps(done[-1])
