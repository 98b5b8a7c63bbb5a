"""Block Kit rendering: golden files for typical answers, and Slack's limits on hostile input."""

from __future__ import annotations

import json

import pytest

from bot.guide import Guide
from bot.slack.blocks import ALL_STEPS_UP_TO, FIRST_STEPS, esc, render_answer, render_help, render_home, render_votes
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


def test_votes_show_their_counts_and_the_buttons_stay_for_everyone(matcher):
    blocks = render_answer(matcher.diagnose(CASES["apig-0201-body-too-large"]), paste_ts=PASTE_TS).blocks
    voted = render_votes(blocks, up=2, down=1, lang="en")
    again = render_votes(voted, up=3, down=1, lang="en")
    assert [b for b in again if b.get("block_id") != "votes"] == blocks  # nothing else changed, buttons included
    counts = [b for b in again if b.get("block_id") == "votes"]
    assert len(counts) == 1 and "3 found this helpful · 1 did not" in json.dumps(counts, ensure_ascii=False)
    assert again.index(counts[0]) == next(i for i, b in enumerate(again) if b.get("block_id") == "feedback") + 1


def test_a_long_fix_shows_its_first_steps_and_a_button_for_the_rest(matcher):
    for paste in CASES.values():
        d = matcher.diagnose(paste)
        if not d.matched:
            continue
        steps = d.best.localised(d.evidence.lang)[2]
        message = render_answer(d, paste_ts=PASTE_TS)
        shown = "\n".join(b["text"]["text"] for b in message.blocks if b["type"] == "section")
        more = [e for b in message.blocks for e in b.get("elements", []) if e.get("action_id") == "show_steps"]
        if len(steps) <= ALL_STEPS_UP_TO:
            assert more == [] and all(esc(step)[:60] in shown for step in steps)
        else:
            assert all(esc(step)[:60] in shown for step in steps[:FIRST_STEPS])
            assert esc(steps[FIRST_STEPS])[:60] not in shown
            assert len(more) == 1 and str(len(steps)) in json.dumps(more, ensure_ascii=False)


GUIDE = Guide(("gw-auth", "ocr-prod"), True, (), ("C0PROBES",), (3, 60), False)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_help_golden(lang):
    message = render_help(GUIDE, lang)
    rendered = json.dumps({"text": message.text, "blocks": message.blocks}, ensure_ascii=False, indent=2)
    check_golden(f"blocks/help-{lang}.json", rendered + "\n")


def test_home_view_golden():
    view = render_home(GUIDE, answers=42, votes=10, helpful_rate=0.8, top=[("APIG.0201", 12), ("ModelArts.4503", 7)])
    check_golden("blocks/home.json", json.dumps(view, ensure_ascii=False, indent=2) + "\n")
