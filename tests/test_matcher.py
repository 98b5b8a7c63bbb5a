"""Matching: codes, variants, families, messages without codes, symptoms, several errors, silence."""

from __future__ import annotations

import time

import pytest

from tests.conftest import chatter, read_jsonl


def answer(matcher, text):
    d = matcher.diagnose(text)
    assert d.matched, f"no answer for {text!r}: {d.best and d.best.why}"
    return d.best


@pytest.mark.parametrize(
    ("text", "variant"),
    [
        ('413 {"error_code":"APIG.0201","error_msg":"Request entity too large"}', "body-too-large"),
        ('HTTP 414 {"error_code":"APIG.0201","error_msg":"Request URI too large."}', "uri-too-large"),
        ('status=494 {"error_code":"APIG.0201","error_msg":"Request headers too large."}', "headers-too-large"),
        ('502 {"error_code":"APIG.0201","error_msg":"Backend unavailable."}', "backend-unavailable"),
        ('504 Gateway Time-out\n{"error_msg": "Backend timeout.", "error_code": "APIG.0201"}', "backend-timeout"),
        ("apig 0201, status 413, sending a 20 MB tiff", "body-too-large"),
    ],
)
def test_apig_0201_variant_by_status_and_message(matcher, text, variant):
    best = answer(matcher, text)
    assert (best.playbook.code, best.variant.id) == ("APIG.0201", variant)


def test_variant_answer_carries_its_own_cause_and_steps(matcher):
    best = answer(matcher, '413 {"error_code":"APIG.0201","error_msg":"Request entity too large"}')
    assert "12 MB" in best.cause and "8 MB" in best.cause
    assert best.steps == best.variant.steps
    assert best.why == "code APIG.0201 + status 413 + 'Request entity too large'"


@pytest.mark.parametrize(
    ("message", "variant"),
    [
        ("Failed to respond due to backend service not found or failed to respond", "keep-alive"),
        (
            "Failed to find backend service because SSL error in the backend service, please check the service is https",
            "https-mismatch",
        ),
        (
            "Failed to find backend service because response timed out, please confirm your service is able to "
            "process the request without timeout. ",
            "slow-inference",
        ),
    ],
)
def test_modelarts_4503_variants(matcher, message, variant):
    best = answer(matcher, f'{{"error_code":"ModelArts.4503","error_msg":"{message}"}}')
    assert best.variant.id == variant


def test_symptom_in_logs_picks_the_crash_loop_variant(matcher):
    text = (
        "[2025-01-14 03:12:10 +0000] [522] [INFO] Booting worker with pid: 522\n"
        "[2025-01-14 03:13:42 +0000] [631] [INFO] Booting worker with pid: 631\n"
        'client: {"error_code": "ModelArts.4503","error_msg": "Backend service respond timeout, please confirm your '
        'service is able to process the request without timeout. "}'
    )
    best = answer(matcher, text)
    assert best.variant.id == "crash-loop" and "symptom 'Booting worker" in best.why


@pytest.mark.parametrize(
    ("message", "variant"),
    [
        ("Incorrect IAM authentication information: decrypt token fail", "decrypt-token-fail"),
        ("Incorrect IAM authentication information: x-auth-token not found", "token-missing"),
        (
            "Incorrect IAM authentication information: token expires, expires_at: 2025-03-01T09:58:11.000000Z",
            "token-expired",
        ),
        ("Incorrect IAM authentication information: verify aksk signature fail", "aksk-signature"),
        ("Incorrect IAM authentication information: AK access failed to reach the limit,forbidden", "ak-locked"),
    ],
)
def test_apig_0301_variants(matcher, message, variant):
    best = answer(matcher, f'401 {{"error_msg":"{message}","error_code":"APIG.0301"}}')
    assert (best.playbook.code, best.variant.id) == ("APIG.0301", variant)


def test_the_latest_variant_wins_when_a_log_shows_several(matcher):
    text = "\n".join(
        f"retry {i}/6 -> 401 APIG.0301 Incorrect IAM authentication information: verify aksk signature fail"
        for i in range(1, 6)
    )
    text += '\nretry 6/6 -> 401 {"error_msg":"Incorrect IAM authentication information: AK access failed to reach '
    text += 'the limit,forbidden","error_code":"APIG.0301"}'
    assert answer(matcher, text).variant.id == "ak-locked"


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ('{"error_code":"APIG.0606","error_msg":"Failed to load the API configurations."} (500)', "APIG.XXXX"),
        ('400 {"error_code":"ModelArts.4371","error_msg":"Request rejected."}', "ModelArts.XXXX"),
        ('500 {"erno": "MR.0113", "msg": "Model load failed", "words_result": {}}', "MR.XXXX"),
    ],
)
def test_codes_without_a_playbook_fall_back_to_their_family(matcher, text, family):
    best = answer(matcher, text)
    assert best.playbook.code == family
    assert best.code != family and best.code in text
    assert "no playbook of its own" in best.why


def test_loose_unknown_codes_get_no_family_answer(matcher):
    assert not matcher.diagnose("MR 1234 merged, thanks").matched


def test_message_without_a_code_is_matched_fuzzily(matcher):
    best = answer(
        matcher,
        'the service answers "Failed to find backend service because SSL eror in the backend service, '
        'please check the service is https"',
    )
    assert (best.playbook.code, best.variant.id, best.code) == ("ModelArts.4503", "https-mismatch", None)
    assert best.why.startswith("message ")


def test_generic_message_needs_modelarts_context(matcher):
    assert not matcher.diagnose("413 Request Entity Too Large from nginx on the wiki upload").matched
    best = answer(matcher, "the ModelArts prediction tab says: Request entity too large")
    assert best.playbook.code == "APIG.0201"


def test_code_less_symptoms_need_context(matcher):
    assert not matcher.diagnose("curl: (6) Could not resolve host: git.example.internal").matched
    best = answer(
        matcher, "curl: (6) Could not resolve host: 0a1b2c3d4e5f60718293a4b5c6d7e8f9.apig.cn-east-3.huaweicloudapis.com"
    )
    assert best.playbook.code == "client-network" and best.layer == "client"


def test_several_errors_lead_with_the_body_code_and_list_the_others(matcher):
    d = matcher.diagnose(
        "the APIG.0101 was the missing custom path, thanks. now it comes back 400 with\n"
        '{ "erno": "MR.0105", "msg": "Recognition failed","words_result": {}}'
    )
    assert d.matched and d.best.playbook.code == "MR.0105"
    assert [c.playbook.code for c in d.others] == ["APIG.0101"]


def test_confidence_says_how_much_evidence_there_is(matcher):
    """More evidence, more confidence: a body with status and message beats a bare code, which beats a
    loosely typed one, which beats a code answered only by its family."""

    def confidence(text: str) -> float:
        return matcher.diagnose(text).best.confidence

    full = confidence('HTTP/1.1 413\n{"error_code":"APIG.0201","error_msg":"Request entity too large"}')
    bare = confidence("APIG.0201")
    loose = confidence("apig 0201")
    family = confidence('{"error_code":"APIG.0606","error_msg":"Failed to load the API configurations."}')
    assert full > bare > loose > family
    assert matcher.diagnose("APIG.0201").best.why.startswith("code APIG.0201")


def test_silence_on_ordinary_chat(matcher):
    messages = chatter()
    assert len(messages) >= 50
    answered = [(m, matcher.diagnose(m).best.playbook.code) for m in messages if matcher.diagnose(m).matched]
    assert answered == []


def test_facts_section_7_examples_resolve_to_their_playbook(matcher):
    cases = read_jsonl("facts_section7.jsonl")
    wrong = []
    for case in cases:
        d = matcher.diagnose(case["text"])
        said = " ".join([d.best.title, d.best.cause, *d.best.steps]).lower() if d.best else ""
        ok = d.matched and d.best.playbook.code in case["expect"]
        ok = ok and all(any(alt.lower() in said for alt in m.split("|")) for m in case["mentions"])
        if not ok:
            wrong.append((case["id"], d.best and d.best.playbook.code))
    assert wrong == []


HOSTILE = [
    b"\xff\xfe\x00\x01" * 25_000,
    "A" * 100_000,
    ("APIG." * 20_000),
    '{"error_msg":"' + "\\" * 50_000 + '"}',
    "error_code" + " " * 50_000 + ":",
    "<" * 30_000 + "https://x|" * 3000,
    "*" * 40_000,
    "9" * 100_000,
    "\n" * 100_000,
    ("status=" + "4" * 20) * 3000,
    ("https://" + "a." * 120 + "apig.cn-north-4.huaweicloudapis.com/v1/infers/") * 200,
    "ModelArts.4503 " * 10_000,
]


@pytest.mark.parametrize("paste", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_is_handled_in_bounded_time(matcher, paste):
    t = time.perf_counter()
    d = matcher.diagnose(paste)
    # catastrophic backtracking would take minutes; this bound only catches that
    assert time.perf_counter() - t < 5
    assert d.best is None or d.best.confidence <= 0.99


# corpus, least share of right answers, most share of should-be-silent pastes answered. Each was written blind
# to the engine; since its first score (in the closing notes) it guards against regressions.
CORPORA = [
    ("heldout.jsonl", 0.99, 0.00),
    ("blind2.jsonl", 1.00, 0.00),
    ("blind3.jsonl", 0.98, 0.00),
    ("blind4.jsonl", 0.98, 0.00),
    ("llm_blind.jsonl", 1.00, 0.01),
    ("llm_sealed.jsonl", 1.00, 0.01),
    ("blind_clients.jsonl", 0.99, 0.01),
    ("clients_sealed.jsonl", 0.98, 0.01),
    ("clients_final.jsonl", 0.99, 0.01),
    ("blind_described.jsonl", 0.97, 0.01),
    ("described_sealed.jsonl", 0.95, 0.01),
    ("described_final.jsonl", 0.96, 0.01),
    ("described_third.jsonl", 0.95, 0.01),
    ("clients_round5.jsonl", 0.99, 0.01),
    ("described_round5.jsonl", 0.98, 0.02),
    ("described_round6.jsonl", 0.97, 0.01),
    ("described_round7.jsonl", 0.98, 0.01),
    ("described_round8.jsonl", 0.99, 0.03),
    ("described_round9.jsonl", 0.99, 0.03),
    ("clients_round6.jsonl", 0.99, 0.01),
    ("described_round10.jsonl", 0.97, 0.01),
    ("described_round11.jsonl", 0.97, 0.01),
    ("described_round12.jsonl", 0.97, 0.01),
    ("described_round13.jsonl", 0.97, 0.02),
    ("described_round14.jsonl", 0.98, 0.02),
    ("clients_round7.jsonl", 0.99, 0.01),
    ("described_round15.jsonl", 0.99, 0.03),
    ("clients_round8.jsonl", 0.99, 0.01),
    ("described_round16.jsonl", 1.00, 0.02),
    ("clients_round9.jsonl", 0.97, 0.02),
    ("described_round17.jsonl", 0.97, 0.01),
    ("clients_round10.jsonl", 0.98, 0.00),
    ("described_round18.jsonl", 0.99, 0.03),
    ("described_round19.jsonl", 0.97, 0.04),
    ("described_round20.jsonl", 0.98, 0.04),
    ("clients_round11.jsonl", 1.00, 0.00),
    ("described_round21.jsonl", 0.98, 0.03),
    ("described_round22.jsonl", 0.95, 0.03),
    ("described_round23.jsonl", 0.98, 0.02),
    ("described_round24.jsonl", 0.97, 0.01),
    ("clients_round12.jsonl", 0.98, 0.02),
    ("described_round25.jsonl", 0.99, 0.03),
    ("clients_round13.jsonl", 1.00, 0.03),
    ("described_round26.jsonl", 0.99, 0.02),
    ("described_round27.jsonl", 0.97, 0.02),
    ("described_round28.jsonl", 0.96, 0.02),
    ("described_round29.jsonl", 0.97, 0.03),
    ("described_round30.jsonl", 0.96, 0.02),
    ("clients_round14.jsonl", 0.99, 0.01),
    ("described_round31.jsonl", 0.97, 0.03),
    ("described_round32.jsonl", 0.95, 0.03),
    ("clients_round15.jsonl", 0.98, 0.04),
    ("described_round33.jsonl", 0.98, 0.02),
    ("clients_round16.jsonl", 0.98, 0.04),
    ("described_round34.jsonl", 0.96, 0.01),
    ("clients_round17.jsonl", 0.99, 0.03),
    ("described_round35.jsonl", 0.97, 0.03),
    ("described_round36.jsonl", 0.97, 0.04),
    ("described_round37.jsonl", 0.95, 0.01),
    ("described_round38.jsonl", 0.97, 0.01),
    ("described_round39.jsonl", 0.98, 0.03),
    ("described_round40.jsonl", 0.95, 0.01),
    ("described_round41.jsonl", 0.99, 0.01),
    ("clients_round18.jsonl", 1.00, 0.01),
    ("described_round42.jsonl", 0.98, 0.01),
    ("clients_round19.jsonl", 0.98, 0.03),
    ("described_round43.jsonl", 0.96, 0.01),
]


@pytest.mark.parametrize(("corpus", "least_right", "most_loud"), CORPORA)
def test_blind_corpora_stay_accurate_and_silent_on_chatter(matcher, corpus, least_right, most_loud):
    cases = read_jsonl(corpus)
    positives = [c for c in cases if c["expect"]]
    negatives = [c for c in cases if not c["expect"]]
    right = sum(
        1 for c in positives if (d := matcher.diagnose(c["text"])).matched and d.best.playbook.code in c["expect"]
    )
    spoken = [c["id"] for c in negatives if matcher.diagnose(c["text"]).matched]
    assert right / len(positives) >= least_right
    assert len(spoken) / len(negatives) <= most_loud, spoken
