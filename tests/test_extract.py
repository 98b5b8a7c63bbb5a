"""Extraction: codes in every written form, bodies, statuses, ids, URLs, exceptions, signals."""

from __future__ import annotations

import pytest

from bot.extract import extract
from bot.textnorm import ELISION, MAX_CHARS, normalize


@pytest.mark.parametrize(
    ("text", "code", "strict"),
    [
        ("got APIG.0201 again", "APIG.0201", True),
        ("apig.0201 on every call", "APIG.0201", True),
        ("APIG 0201 when uploading", "APIG.0201", False),
        ("APIG-0201 when uploading", "APIG.0201", False),
        ("APIGW.0301 decrypt token fail", "APIG.0301", True),
        ("mr0105 recognition failed", "MR.0105", False),
        ("MR.0105", "MR.0105", True),
        ("ModelArts_4206 Excessive number of requests", "ModelArts.4206", True),
        ("modelarts 4302 gateway forwarding error", "ModelArts.4302", False),
        ("modelarts4104 on the v2 endpoint", "ModelArts.4104", False),
        ("Modelart.4503 intermittently", "ModelArts.4503", True),
        ("报错 ModelArts．4503 了", "ModelArts.4503", True),
        ("控制台报 CF2.E00003", "CF2.E00003", True),
        ("cf2 e00003 on the llm service", "CF2.E00003", False),
        ("APGI.0301 decrypt token fail", "APIG.0301", False),
        ("Modelrats.4205 connection time out", "ModelArts.4205", False),
        ("ModelArst.4102 Parse Token error", "ModelArts.4102", False),
        ("APIG.O308 throttling", "APIG.0308", False),
        ("MR.O105 recognition failed", "MR.0105", False),
        ("Modelarts,4302 on every call", "ModelArts.4302", False),
    ],
)
def test_code_forms(text, code, strict):
    hits = extract(text).codes
    assert [(h.code, h.strict) for h in hits] == [(code, strict)]


@pytest.mark.parametrize(
    "text",
    [
        "ticket 4302 is with the network team",
        "port 4503 on the bastion is open",
        "PR #4503 adds the panel",
        "see JIRA MLOPS-0308",
        "INC-0301 closed",
        "build 0105 is green",
        "error rate went from 0.0301 to 0.0105",
        "the ModelArts training job 4302 finished",
        "XAPIG.0201 is not a code, nor is APIG.020111",
        "the APIs 0201 and 0202 of the billing service",
        "our models 4302 and 4503 are retrained weekly",
        "APIG.OOOO is a placeholder",
    ],
)
def test_numbers_that_are_not_codes(text):
    assert extract(text).codes == ()


def test_json_bodies_give_code_message_status_and_request_id():
    ev = extract(
        "HTTP/1.1 413 Request Entity Too Large\n"
        '{"error_msg":"Request entity too large","error_code":"APIG.0201","request_id":"0a1b2c3d4e5f60718293a4b5c6d7e8f9"}'
    )
    (hit,) = ev.codes
    assert hit.in_body and hit.status == 413 and hit.message == "Request entity too large"
    assert ev.request_ids == ("0a1b2c3d4e5f60718293a4b5c6d7e8f9",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{ "erno": "MR.0105", "msg": "Recognition failed","words_result": {}}', "Recognition failed"),
        (
            "response.data: { error_code: 'ModelArts.4206', error_msg: 'Excessive number of requests to x.' }",
            "Excessive number of requests to x.",
        ),
        (
            'body="{\\"error_code\\":\\"ModelArts.0212\\",\\"error_msg\\":\\"Invalid Token header.\\"}"',
            "Invalid Token header.",
        ),
        (
            "{'error_msg': 'Incorrect IAM authentication information: decrypt token fail', 'error_code': 'APIG.0301'}",
            "Incorrect IAM authentication information: decrypt token fail",
        ),
    ],
)
def test_body_shapes(text, message):
    (hit,) = extract(text).codes
    assert hit.in_body
    assert hit.message == message


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ('< HTTP/1.1 404 Not Found\n{"error_code":"APIG.0101"}', 404),
        ("requests.exceptions.HTTPError: 413 Client Error: Request Entity Too Large for url: x\nAPIG.0201", 413),
        ('status=494 body={"error_code":"APIG.0201"}', 494),
        ('Status: 504 Gateway Time-out    Time: 40.12 s\n{"error_code": "APIG.0201"}', 504),
        ("maclient.InferError: (413, {'error_code': 'ModelArts.4104'})", 413),
        ("retry 3/8 -> 401 APIG.0301 verify aksk signature fail", 401),
        ("AxiosError: Request failed with status code 429 ModelArts.4206", 429),
        ('{"error_code":"APIG.0201","error_msg":"Request URI too large."}\nHTTP 414', 414),
        ("12:00 WARN 429 APIG.0308 policy user over ratelimit", 429),
    ],
)
def test_status_nearest_the_code(text, status):
    assert extract(text).codes[0].status == status


def test_ports_and_limits_are_not_statuses():
    ev = extract("Trying 10.20.0.5:3128... port 443 limit:100,time:1 minute")
    assert ev.statuses == ()


def test_slack_markup_is_undone():
    text, _ = normalize(
        "*ModelArts.4503* from <https://x.apig.cn-north-4.huaweicloudapis.com/v1/infers/u|the API URL> "
        '&lt; HTTP/1.1 401 &amp; ```{"a": 1}``` <@U02KF8Q1Z> <!here> <#C04REL|release>'
    )
    assert "ModelArts.4503 from https://x.apig" in text
    assert "the API URL" in text and "< HTTP/1.1 401 &" in text
    assert "*" not in text and "`" not in text and "<@" not in text and "#release" in text


def test_full_width_punctuation_is_folded():
    text, _ = normalize("Incorrect IAM authentication information：decrypt token fail（401）")
    assert text == "Incorrect IAM authentication information:decrypt token fail(401)"


def test_prediction_url_parts():
    ev = extract(
        "POST https://0cfaf668afc8dc38208993e8365ff072.apig.cn-north-4.huaweicloudapis.com"
        "/v1/infers/08e40f85-51a4-4097-9777-ab7869932887/predictions/poetry failed"
    )
    (url,) = ev.urls
    assert url.region == "cn-north-4"
    assert url.service_id == "08e40f85-51a4-4097-9777-ab7869932887"
    assert url.api_version == "v1" and url.custom_path == "/predictions/poetry"
    assert ev.context


def test_other_urls_are_not_prediction_urls():
    assert extract("see https://wiki.example.internal/page and https://github.com/x/y").urls == ()


def test_exception_names():
    ev = extract(
        "requests.exceptions.ConnectionError: (Caused by NameResolutionError(...)) "
        "Error: ESOCKETTIMEDOUT code: 'SELF_SIGNED_CERT_IN_CHAIN'"
    )
    assert {"ConnectionError", "NameResolutionError", "ESOCKETTIMEDOUT", "SELF_SIGNED_CERT_IN_CHAIN"} <= set(
        ev.exceptions
    )


@pytest.mark.parametrize(
    ("text", "context", "foreign"),
    [
        ("calls to our ModelArts service hang", True, False),
        ("在线服务调用失败", True, False),
        ("nginx returns 413 for the wiki", False, True),
        ("botocore.exceptions.ClientError: ThrottlingException", False, True),
        ("lunch at noon?", False, False),
    ],
)
def test_context_signals(text, context, foreign):
    ev = extract(text)
    assert (ev.context, ev.foreign) == (context, foreign)


def test_language():
    assert extract("用北京四拿到的 token 去调新加坡的在线服务，返回 APIG.0301").lang == "zh"
    assert extract("calling the service returns APIG.0301").lang == "en"


def test_a_huge_paste_is_read_at_its_head_and_its_tail_and_flagged():
    filler = "2025-06-01 10:00:00 INFO worker: batch ok\n" * (MAX_CHARS // 40)
    ev = extract(f"MR.0105 at the start\n{filler}APIG.0306 in the middle\n{filler}ModelArts.4503 at the end")
    assert ev.truncated and [h.code for h in ev.codes] == ["MR.0105", "ModelArts.4503"]
    assert len(ev.text) <= MAX_CHARS + len(ELISION)


@pytest.mark.parametrize(
    "text, field, value",
    [
        # something that stopped working failed; "deployment works" is no "n't work"
        ("after a day the X-Auth-Token stops working on our modelarts service", "failed", True),
        ("the key no longer works on the maas endpoint since the rotation", "failed", True),
        ("the new deployment works fine on our modelarts service", "failed", False),
        # the huawei gateway or api is ModelArts context; a huawei phone is not
        ("since tuesday every call gets 401 from the huawei gateway", "context", True),
        ("the huawei api answers 403 for our batch job", "context", True),
        ("my huawei phone drops wifi every hour", "context", False),
    ],
)
def test_what_the_words_say_about_failure_and_context(text, field, value):
    assert getattr(extract(text), field) is value
