"""What the engine makes of pastes in shapes it was not written for: descriptions, timings, talk about errors,
other Huawei Cloud services, the hop a writer blames."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

URL = "https://3f1c2a.apig.cn-north-4.huaweicloudapis.com/v1/infers/5b2e9c1d-8f3a-4d6b-9e7c-1a2b3c4d5e6f"


def said(matcher, text):
    """The playbook the bot answers with, or None when it stays silent."""
    d = matcher.diagnose(text)
    return d.best.playbook.code if d.matched else None


def test_a_description_of_modelarts_machinery_is_answered_without_naming_modelarts(matcher):
    d = matcher.diagnose(
        "We imported the container with HTTPS as its API protocol, but the server inside only speaks plain HTTP; "
        "every call now fails with an SSL error in the backend service."
    )
    assert d.matched and d.best.playbook.code == "ModelArts.4503"
    assert d.best.confidence < 0.7, "a description without ModelArts's name is the least sure answer"


def test_a_server_log_from_elsewhere_is_not_read_as_a_description(matcher):
    log = (
        "[2026-01-12 09:14:03 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:311)\n"
        "[2026-01-12 09:14:04 +0000] [1] [INFO] Booting worker with pid: 1311\n"
        "gunicorn on our own box in the lab, timeout 30"
    )
    assert said(matcher, log) is None


def test_related_playbooks_do_not_make_a_description_ambiguous(matcher):
    text = (
        "Our ModelArts caller fetches an IAM token once at start and never again. After about a day every "
        "prediction comes back 401 and the gateway says the token has expired."
    )
    assert said(matcher, text) in ("APIG.0301", "APIG.0307")


def test_the_hop_a_writer_names_decides_between_two_texts_alike(matcher):
    blamed_dispatcher = "Every call gets 404 from ModelArts itself (not the gateway): 'API /v2/score does not exist.'"
    assert said(matcher, blamed_dispatcher) == "ModelArts.4204"


@pytest.mark.parametrize(
    "text",
    [
        f"在线服务调用耗时：\n第1次 12.1s 成功\n第2次 40.0s 504，响应体为空\n地址 {URL}",
        "$ time curl -s -o /dev/null -w '%{http_code}\\n' -X POST -H 'X-Auth-Token: $T' -d @big.json "
        f"{URL}\n504\n\nreal    0m40.031s",
        "调用华为云在线服务，大一点的图片就卡40秒左右然后连接断开，什么返回体都没有",
    ],
    ids=["timing-table", "curl-http-code", "zh-description"],
)
def test_time_outs_told_as_timings_are_time_outs(matcher, text):
    assert said(matcher, text) == "request-timed-out"


@pytest.mark.parametrize(
    "text",
    [
        "fixed now, the ModelArts.81002 from this morning was an empty env var in the header. thanks!",
        "update: the APIG.0201 errors from Monday are gone since we resize images first. closing this.",
        "commit 9c1e0d2: treat APIG.0308 and ModelArts.4206 as retryable with jitter",
        "Draft runbook:\n- APIG.0201 → shrink the payload\n- ModelArts.4503 → read the service log\n- MR.0105 → our code",
        "Quick one before our launch: is the ModelArts.4206 limit per service or per instance? nothing is failing yet",
        "ModelArts.4206 每秒请求上限默认是多少？先问问，还没开始压测。",
        "Weekly reliability report: top errors were APIG.0308 (120) and ModelArts.4503 (9). No open incidents.",
        "test_mapper.py::test_apig_0201_is_payload PASSED\ntest_mapper.py::test_4302_is_port PASSED\n2 passed in 0.2s",
        "```python\nRETRY_ON = {'APIG.0308', 'ModelArts.81101'}\ndef retryable(code):\n    return code in RETRY_ON\n```",
        "上周的 ModelArts.81003 已经解决了，新建的 key 要等几分钟才生效。",
        "Heads up: the APIG.0203 timeouts don't come back since we stream the answers.",
        "下周要给 ModelArts.4206 做压测，先把每秒请求上限调到 300",
        "huaweicloud sdk: ClientRequestException - {status_code:403, error_code:IAM.0003, error_msg:Permission denied}",
    ],
    ids=[
        "fixed",
        "update",
        "commit",
        "runbook",
        "question",
        "question-zh",
        "report",
        "tests",
        "code",
        "zh-fixed",
        "gone",
        "plan-zh",
        "other-service-code",
    ],
)
def test_talk_about_errors_gets_no_unprompted_answer(matcher, text):
    assert said(matcher, text) is None


def test_code_shared_with_the_error_it_produced_is_answered(matcher):
    text = (
        "```js\nconst res = await fetch(url, { method: 'POST', headers, body });\nconst out = await res.json();\n```\n"
        '400 {"error_code":"ModelArts.4201","error_msg":"Invalid request URL because no service ID or request URI '
        'included."}'
    )
    assert said(matcher, text) == "ModelArts.4201"


@pytest.mark.parametrize(
    "text",
    [
        "Sketching the on-call handbook: ModelArts.4503 usually means the keep-alive of the model server is short.",
        "For the newcomers' reading list: MR.0105 is raised by our own model code, APIG.0201 by the gateway.",
        "Our status board groups ModelArts.81111 with the other MaaS rate limits; numbers look calm this week.",
        "给新人的资料里写了：ModelArts.81003 一般是 key 用错了区域。",
    ],
    ids=["handbook", "reading-list", "board", "zh-notes"],
)
def test_a_code_only_mentioned_gets_no_unprompted_answer(matcher, text):
    """No rule names these openings; the code neither stands as an error nor is reported in words."""
    d = matcher.diagnose(text)
    assert not d.matched
    assert not d.evidence.reported


@pytest.mark.parametrize(
    "text",
    [
        "the ModelArts.4206 section of our runbook still points at the old dashboard; who owns it?",
        "yesterday the bot picked APIG.0303 for Omar's thread and it was spot on",
        "ModelArts.4503 needs a shorter explanation on the onboarding slide, any takers?",
        "我们自己的服务也用 APIG.0201 这种格式返回错误，跟华为的不是一回事",
    ],
    ids=["runbook", "the-bot", "slide", "zh-format"],
)
def test_a_code_made_the_topic_of_a_document_gets_no_unprompted_answer(matcher, text):
    """Report words or a line head do not make these reports: the clause names a document, the bot or a format."""
    d = matcher.diagnose(text)
    assert not d.matched
    assert all(h.referenced and not h.stands for h in d.evidence.codes)


def test_a_code_reported_despite_a_document_word_elsewhere_is_answered(matcher):
    text = "we keep getting ModelArts.4206 on the ocr service. The runbook is out of date, so asking here."
    assert said(matcher, text) == "ModelArts.4206"


@pytest.mark.parametrize(
    "text",
    [
        '400 {"error_code":"ModelArts.6274","error_msg":"Custom endpoint name is invalid."} from our provisioning job',
        "creating the endpoint fails: ModelArts.8503 No permission to create modelarts custom endpoints",
    ],
    ids=["body", "prose"],
)
def test_codes_only_a_management_api_returns_are_not_prediction_failures(matcher, text):
    d = matcher.diagnose(text)
    assert d.evidence.surface.value == "management"
    assert not d.matched


@pytest.mark.parametrize(
    "text",
    [
        "请问 MaaS 的 TPM 上限能不能按项目单独设置？想提前规划一下配额",
        "Notes from the vendor call: the dispatcher keeps idle connections for a while, and the gateway caps bodies.",
        "是否需要给在线服务配置告警规则？CPU 高了就通知值班",
    ],
    ids=["zh-quota-question", "notes", "zh-alarm-rule"],
)
def test_a_paste_that_tells_of_nothing_happening_is_not_read_as_a_description(matcher, text):
    assert said(matcher, text) is None


@pytest.mark.parametrize(
    "text, code",
    [
        (
            "our ModelArts real-time service has been in Deploying for an hour, logs are clean, custom image on 5000",
            "deploy-stuck-deploying",
        ),
        ("在线服务的状态变成了告警，预测时好时坏，内存一直往上涨", "service-alarm"),
    ],
    ids=["lasting-state", "zh-changed-state"],
)
def test_a_lasting_state_told_in_words_is_a_description(matcher, text, code):
    assert said(matcher, text) == code


def test_a_code_only_mentioned_is_still_explained_when_asked(matcher):
    d = matcher.diagnose("Sketching the on-call handbook: ModelArts.4503 usually means the keep-alive is short.")
    assert d.best is not None and d.best.playbook.code == "ModelArts.4503"
    assert d.best.confidence < matcher.scoring.answer_threshold
    assert "only mentioned" in d.best.why


@pytest.mark.parametrize(
    "text, code",
    [
        ("the nightly scorer against our ModelArts service: 403 APIG.0401 from the new egress", "APIG.0401"),
        ("batch client → ModelArts.4105 on about one call in fifty", "ModelArts.4105"),
        ("roughly 12% APIG.0308 on the ModelArts prediction URL during the rush", "APIG.0308"),
        ("the upload to our online service stops with ModelArts.4104 whenever the file is over 8 MB", "ModelArts.4104"),
        ("Our service refuses the token from the other project. ModelArts.0210.", "ModelArts.0210"),
        ("ModelArts 在线服务调不通 ModelArts.4204，说 API 不存在", "ModelArts.4204"),
    ],
    ids=["status-beside", "arrow", "share", "reported-in-words", "a-sentence-alone", "zh"],
)
def test_a_code_reported_in_prose_is_answered(matcher, text, code):
    d = matcher.diagnose(text)
    assert d.evidence.reported
    assert said(matcher, text) == code


@pytest.mark.parametrize(
    "text",
    [
        '```python\n@pytest.fixture\ndef gateway_refusal():\n    return Reply(status=403, json={"error_code": '
        '"APIG.0302", "error_msg": "The IAM user is not authorized to access the API."})\n```\n'
        "is this fixture shape ok?",
        "groups:\n- name: inference\n  rules:\n  - alert: DispatcherTimeouts\n"
        '    expr: rate(errors_total{code="ModelArts.4503"}[5m]) > 1',
        "diff --git a/errors.md b/errors.md\n@@ -3,2 +3,3 @@\n+| APIG.0201 | payload above 12 MB | compress it |",
        'val codes = mapOf(\n    "ModelArts.81101" to Retry,\n    "ModelArts.81003" to Fatal,\n)',
        '```promql\ntopk(5, rate(errors_total{code="APIG.0308"}[10m]))\n```\nthe panel I am adding',
        '```csharp\nif (err.Code == "ModelArts.4206")\n{\n    await Task.Delay(backoff);\n}\n```',
    ],
    ids=["python-fixture", "alert-rule", "diff", "kotlin-map", "tagged-one-liner", "csharp-if"],
)
def test_program_text_that_holds_an_error_is_not_a_report(matcher, text):
    assert said(matcher, text) is None


@pytest.mark.parametrize(
    "text",
    [
        'Partner asked what "ModelArts.4204 API does not exist" means in general; nobody is getting it, just curious.',
        "How should the Japanese help page translate 'The app quota has been used up.'? Tone matters.",
        "ModelArts.81003 和 ModelArts.81009 有什么区别？现在没报错，想先了解一下",
        "MaaS 的 ModelArts.81114 每分钟 token 上限能申请调高吗？目前没报错，先规划一下容量",
    ],
    ids=["meaning", "translation", "difference-zh", "planning-zh"],
)
def test_a_question_about_what_an_error_means_is_not_a_report(matcher, text):
    assert said(matcher, text) is None


def test_program_text_beside_the_error_it_got_is_answered(matcher):
    text = (
        "val req = Request.Builder().url(url).post(body).build()\nval resp = client.newCall(req).execute()\n\n"
        'output:\n{"error_code":"APIG.0201","error_msg":"Request entity too large"}'
    )
    assert said(matcher, text) == "APIG.0201"


def test_a_bucket_address_is_the_storage_service_not_a_prediction(matcher):
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
        "<HostId>team-bucket.obs.ap-southeast-3.myhuaweicloud.com</HostId></Error>"
    )
    assert said(matcher, xml) is None


@pytest.mark.parametrize(
    "text",
    [
        "openai.RateLimitError: Error code: 429 - {'error': {'message': 'Rate limit reached for requests', "
        "'type': 'requests', 'code': 'rate_limit_exceeded'}}\n^ that one came from the other vendor, not MaaS",
        '{"error_code":"APIG.0203","error_msg":"Backend timeout"} from the gateway in front of our billing app '
        "(not ModelArts)",
        'huaweicloudsdkmodelarts.exceptions.ClientRequestException: {"status_code":400,"error_code":'
        '"ModelArts.7001","error_msg":"Invalid parameter"} while listing training jobs',
    ],
    ids=["not-maas", "not-modelarts", "management-sdk"],
)
def test_a_paste_that_places_itself_elsewhere_gets_no_answer(matcher, text):
    assert said(matcher, text) is None


@pytest.mark.parametrize(
    "text",
    [
        "| code | meaning | owner |\n|---|---|---|\n| ModelArts.4206 | per-service QPS cap | infra |\n"
        "| MR.0105 | our inference code threw | ml |",
        '> {"error_code":"ModelArts.4503","error_msg":"Failed to respond"}\nthat was Tuesday\'s; we raised the '
        "keep-alive and it went away",
        "git show HEAD: 'map APIG.0308 to the throttled class'",
        "the handler for ModelArts.81114 was merged into main this morning",
        "outage notes (closed): ModelArts.4302 from 09:10 to 09:25, wrong port in the new image",
    ],
    ids=["table", "quoted-and-over", "git-show", "merged", "closed-notes"],
)
def test_documents_and_history_get_no_unprompted_answer(matcher, text):
    assert said(matcher, text) is None


def test_the_model_services_success_code_is_never_an_error(matcher):
    assert said(matcher, "funny how MR.0100 in our logs makes people think something broke") is None


def test_a_service_sitting_in_deploying_is_a_stuck_deployment(matcher):
    text = 'our ModelArts real-time service has been "Deploying" for 50 minutes and the logs are clean'
    assert said(matcher, text) == "deploy-stuck-deploying"


def test_a_code_typed_with_two_digits_swapped_is_read_by_its_message(matcher):
    typed = "our online service says ModelArts.4260 'Excessive number of requests' during the sale"
    assert said(matcher, typed) == "ModelArts.4206"
    sent = 'predict 429 {"error_code":"ModelArts.4260","error_msg":"Excessive number of requests."}'
    assert said(matcher, sent) == "ModelArts.XXXX", "a code a server sent is what it is: an unknown one of the family"


def test_a_bare_maas_number_after_its_status_is_a_maas_code(matcher):
    assert said(matcher, "our MaaS chat calls from the batch box all get 429 81101 since the retry storm") == (
        "ModelArts.81101"
    )


def test_a_quoted_error_that_still_happens_is_answered(matcher):
    text = '> {"error_code":"ModelArts.4503","error_msg":"Failed to respond"}\nwe raised the keep-alive but it is back'
    assert said(matcher, text) == "ModelArts.4503"


def test_a_question_about_an_error_that_happened_is_answered(matcher):
    assert said(matcher, "ModelArts.4206 during our load test this morning, what's the per-service limit?") == (
        "ModelArts.4206"
    )


def test_a_run_that_finished_fine_makes_its_retried_error_history(matcher):
    log = (
        "2026-03-01 02:00:01,101 INFO job: maas chat ok latency=2.1s\n"
        "2026-03-01 02:00:05,220 WARNING job: 429 {'error_code': 'ModelArts.81101', 'error_msg': 'Too many requests, "
        "exceeded rate limit is 600 times per minute.'} -> retry 1/5\n"
        "2026-03-01 02:00:07,431 INFO job: maas chat ok latency=1.9s\n"
    )
    assert said(matcher, log) == "ModelArts.81101"
    assert said(matcher, log + "2026-03-01 02:09:00,010 INFO job: run finished OK, 0 failed items\n") is None


def test_another_huawei_cloud_service_behind_the_same_gateway_is_not_a_prediction(matcher):
    body = '401 {"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: decrypt token fail"}'
    assert said(matcher, f"curl https://ecs.cn-north-4.myhuaweicloud.com/v1/abc/cloudservers/detail\n{body}") is None
    assert said(matcher, "华为云 OCR 身份证识别接口返回 APIG.0201 Request entity too large") is None
    assert said(matcher, f"curl -X POST {URL}\n{body}") == "APIG.0301"


def test_a_users_own_api_on_huawei_cloud_api_gateway_is_not_a_prediction(matcher):
    text = "Our own billing API behind a Huawei Cloud APIG dedicated gateway answers 504 APIG.0203 Backend timeout."
    assert said(matcher, text) is None
    assert (
        said(matcher, "gunicorn on our own box (not ModelArts): WORKER TIMEOUT, dispatcher of requests restarts")
        is None
    )


def test_a_management_code_on_a_line_that_names_a_real_time_service_stays_management(matcher):
    text = (
        "putting a custom endpoint in front of our real-time service:\n"
        "ModelArts.6613 Operation failed. The online service status needs to have the 'Mount to MAAS Gateway' "
        "switch turned on"
    )
    assert said(matcher, text) is None


def test_a_success_and_a_denied_surface_get_no_answer(matcher):
    assert said(matcher, "MR.0100 Succeeded for all 300 images in the nightly regression run") is None
    notebook = (
        'GET /v1/0a1b2c/notebooks -> 401 {"error_code":"ModelArts.0203","error_msg":"Invalid token."} '
        "(not an inference thing, just the notebook API)"
    )
    assert said(matcher, notebook) is None


def test_a_resolved_alert_alone_says_nothing_failed(matcher):
    alert = "[RESOLVED] ModelArtsServiceState (prod)\nservice_name: ocr-v2\nstate: Running (was: Alarm)"
    assert said(matcher, alert) is None
    assert said(matcher, alert.replace("[RESOLVED]", "[FIRING:1]").replace("Running (was: Alarm)", "Alarm")) == (
        "service-alarm"
    )


def test_a_grafana_alerting_header_is_news_after_a_resolved_one(matcher):
    alerts = (
        "[Resolved] llm-gw ModelArts.81101 rate limit (08:10)\n"
        "[Alerting] llm-gw: 403 ModelArts.81005 The free quota has been used up. (08:40)"
    )
    assert said(matcher, alerts) == "ModelArts.81005"


def test_the_last_error_a_log_prints_with_its_status_wins(matcher):
    log = (
        "09:00 ERROR 403 APIG.0302 The IAM user is not authorized to access the API.\n"
        "09:05 ERROR 401 APIG.0307 The token must be updated.\n"
    )
    assert said(matcher, log) == "APIG.0307"
    assert said(matcher, "\n".join(reversed(log.strip().split("\n")))) == "APIG.0302"


@pytest.mark.parametrize(
    "text, code",
    [
        ("MR.01055 recognition failed for every grayscale scan", "MR.0105"),
        ("APIG.02011 Request entity too large on the ModelArts upload", "APIG.0201"),
    ],
    ids=["mr", "apig"],
)
def test_a_code_with_a_digit_typed_twice_is_read_as_the_code_meant(matcher, text, code):
    assert said(matcher, text) == code


def test_a_long_clause_of_a_known_message_is_read_where_nothing_says_modelarts(matcher):
    d = matcher.diagnose("since the redeploy every call says SSL error in the backend service, our image is plain http")
    assert d.matched and d.best.playbook.code == "ModelArts.4503"
    assert d.best.confidence < 0.7, "a clause found where nothing says ModelArts is a weak sign"
    assert said(matcher, "our laptop can't reach it: you do not have access to it, says the proxy") is None


@pytest.mark.parametrize(
    "text",
    [
        "新版推理服务部署时请求体上限设的 2M，发 3M 的 json 返回 413，错误码是ModelArts的，不是APIG",
        "inference 2.0 service, body limit set to 2 MB at deploy; a 3 MB body gets 413 from ModelArts, not the gateway",
    ],
    ids=["zh", "en"],
)
def test_a_413_the_paste_says_the_gateway_did_not_send_is_the_services_own_limit(matcher, text):
    assert said(matcher, text) == "ModelArts.4104"


def test_an_llm_app_workflow_is_a_model_call_not_a_modelarts_workflow(matcher):
    """No code to make it a prediction: only the app's name outweighs the word "workflow"."""
    text = "our Dify workflow node that calls MaaS stopped with 403: 'The free service has expired. You can subscribe commercial service.'"
    d = matcher.diagnose(text)
    assert d.evidence.surface.value == "prediction"
    assert said(matcher, text) == "ModelArts.81014"


def test_a_code_read_in_the_docs_is_not_a_code_got(matcher):
    assert said(matcher, "what does ModelArts.4206 mean exactly? I saw it in the dispatcher error table") is None
    assert said(matcher, "we saw ModelArts.4206 in the logs all night on the ocr service") == "ModelArts.4206"


@pytest.mark.parametrize(
    "text, code",
    [
        ("告警恢复：APIG.0308 已恢复\n告警触发：在线服务 ocr 出现 ModelArts.4503 response timed out", "ModelArts.4503"),
        ("ModelArts の推論サービスで ModelArts.4206 が出ます。リクエストが多すぎると書いてあります", "ModelArts.4206"),
        ("service still Deploying long time, 2 hours, log has nothing, custom image on port 9000, ModelArts", None),
    ],
    ids=["zh-alert-fired", "ja-report", "non-native-stuck"],
)
def test_reports_in_other_words_and_languages(matcher, text, code):
    assert said(matcher, text) == (code or "deploy-stuck-deploying")


def test_incident_closed_is_history(matcher):
    assert (
        said(matcher, "incident INC-2031 closed: the 403 ModelArts.81004 was an unactivated model, fixed at 10:05")
        is None
    )


@pytest.mark.parametrize(
    "text",
    [
        "if traffic doubles we'd probably hit ModelArts.4206, so raise the cap first",
        "what does ModelArts.81118 mean in practice? we haven't hit it yet",
        "假如 key 被删了，MaaS 会返回 81003 吧？先把告警配好",
        "the on-call bot handled the APIG.0308 thread well yesterday",
    ],
    ids=["we'd", "haven't", "zh-suppose", "named-bot"],
)
def test_supposed_and_denied_reports_get_no_unprompted_answer(matcher, text):
    assert said(matcher, text) is None


@pytest.mark.parametrize(
    "text",
    [
        "def classify(body):\n    if body.get('error_code') == 'APIG.0201':\n        return 'too_large'\n",
        'def test_maps_4206():\n    resp = FakeResp(429, {"error_code": "ModelArts.4206"})\n    assert kind(resp) == "busy"',
        'match body.code.as_deref() {\n    Some("APIG.0308") => Err(Busy),\n    _ => Ok(()),\n}',
    ],
    ids=["python-if", "fake-response", "rust-match"],
)
def test_program_text_in_more_languages_is_talk(matcher, text):
    assert said(matcher, text) is None


def test_routine_log_lines_about_other_services_do_not_hide_a_prediction_error(matcher):
    log = "\n".join(
        [f"2025-06-11 09:0{i}:00,000 INFO  [sync] Starting new HTTPS connection (1): obs.cn-north-4.myhuaweicloud.com:443"
         for i in range(5)]
        + ['2025-06-11 09:06:00,000 ERROR [worker] 503 {"error_code":"ModelArts.4302","error_msg":"Gateway forwarding '
           'error. Failed to invoke backend service due to connection refused. "}']
    )  # fmt: skip
    assert said(matcher, log) == "ModelArts.4302"


def test_a_paste_that_says_it_is_not_huawei_is_not_answered(matcher):
    text = "Cloud.ru Evolution API: 429 ModelArts.81114 Too many tokens per minute (that's Cloud.ru, not Huawei)"
    assert said(matcher, text) is None


@pytest.mark.parametrize(
    "text, code",
    [
        ("the LLM service on inference 2.0 ends long answers with error CF2.E00003 after about a minute", "CF2.E00003"),
        ("压测到每秒八十次左右开始 429，错误码 ModelArts.4206，在线服务", "ModelArts.4206"),
        ("服务开了 https，客户端还是 http 调用，ModelArts.8910", "ModelArts.8910"),
    ],
    ids=["error-label", "zh-error-label", "zh-clause-alone"],
)
def test_a_code_named_as_the_error_or_standing_as_its_own_clause_is_reported(matcher, text, code):
    assert said(matcher, text) == code


@pytest.mark.parametrize(
    "text, code",
    [
        ("MaaS: free quota used up (ModelArts.81005) for glm after the demo day", "ModelArts.81005"),
        ("凌晨开始401，APIG.0301 token expires，缓存的 token 没刷新", "APIG.0301"),
        ("列表接口正常，但 chat 调 glm 就403 ModelArts.81004，是没开通吗", "ModelArts.81004"),
    ],
    ids=["what-went-wrong", "zh-status-glued", "zh-403-glued"],
)
def test_short_reports_that_say_what_went_wrong_are_answered(matcher, text, code):
    assert said(matcher, text) == code


@pytest.mark.parametrize(
    "text, code",
    [
        (
            "first it was APIG.0303 signature expired (fixed the clock), now every call returns ModelArts.4302",
            "ModelArts.4302",
        ),
        ("先是 ModelArts.0204 token 不对，换了 token 以后又报 ModelArts.4503 response timed out", "ModelArts.4503"),
    ],
    ids=["en", "zh"],
)
def test_the_latest_error_told_in_prose_wins(matcher, text, code):
    assert said(matcher, text) == code


def test_a_code_the_paste_denies_is_not_the_error(matcher):
    text = "429 at 60 req/s: the body says ModelArts.4206 (not APIG.0308), so it is the service's own cap?"
    assert said(matcher, text) == "ModelArts.4206"


@pytest.mark.parametrize(
    "text, code",
    [
        ("MaaS 81101 'exceeded rate limit is 700 times per minute' on the evening batch", "ModelArts.81101"),
        ("the stream died; the raw line shows InferHub.ModelArts.81111.429.", "ModelArts.81111"),
        ("MaaS says ModelArts.811003 exceeded rate limit tokens per minute", "ModelArts.81103"),
    ],
    ids=["quoted-message", "wrapped-at-sentence-end", "digit-twice-by-clause"],
)
def test_a_code_printed_with_its_message_is_reported(matcher, text, code):
    assert said(matcher, text) == code


def test_what_goes_wrong_in_a_supposition_is_not_news(matcher):
    assert said(matcher, "what would happen if the key expires mid-run? would we see ModelArts.81003 then?") is None


@pytest.mark.parametrize(
    "text, code",
    [
        ("key pasted without the Bearer prefix, to MaaS chat completions: ModelArts.81002", "ModelArts.81002"),
        (
            "inference 2.0 LLM service with API-key auth, wrong key from the old CSV, response ModelArts.4905",
            "ModelArts.4905",
        ),
        ("用 Chatbox 接 MaaS，地址多写了一段路径，结果 APIG.0101", "APIG.0101"),
    ],
    ids=["after-colon", "response", "zh-result"],
)
def test_a_code_given_as_the_result_is_reported(matcher, text, code):
    assert said(matcher, text) == code


@pytest.mark.parametrize(
    "text",
    [
        "SQL: select count(*) from errors where code='ModelArts.4206'",
        "告警规则：ModelArts.4503 十分钟超过 5 次就通知值班",
        "Doc comment: /** Raised when MaaS returns ModelArts.81009. */ public class BadModel extends Exception {}",
        "The MR.0105 from Monday was a KeyError in preprocessing, fixed in v7 and redeployed, closing",
        "本地 vLLM 报 maximum context length is 4096 tokens，没用华为云",
    ],
    ids=["sql", "zh-alert-rule", "javadoc", "fixed-in-version", "zh-not-huawei"],
)
def test_more_talk_gets_no_unprompted_answer(matcher, text):
    assert said(matcher, text) is None


@pytest.mark.parametrize(
    "text, code",
    [
        (
            "which limit is it? 413 from our inference-2.0 service, body ModelArts.4104, payload only 2 MB",
            "ModelArts.4104",
        ),
        ("Go 客户端把 key 放错了头，MaaS 回 ModelArts.81002", "ModelArts.81002"),
        ("是哪个限流？429 APIG.0308 policy user over ratelimit，不是 ModelArts.4206 吧", "APIG.0308"),
    ],
    ids=["body-label", "zh-replies", "not-a-code-is-not-not-modelarts"],
)
def test_more_ways_a_code_is_given_as_the_error(matcher, text, code):
    assert said(matcher, text) == code


def test_the_answer_does_not_depend_on_the_hash_seed():
    """Equal scores are broken the same way in every process: a paste gets one answer, whichever replica reads it."""
    paste = (
        "the gateway answers 401 'Incorrect authentication information.' (the text names neither IAM nor app) on "
        "calls to our ModelArts prediction URL; other services with the same client are fine"
    )
    answers = set()
    for seed in range(1, 7):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        out = subprocess.run(
            [sys.executable, "-m", "bot", "diagnose", "--json", paste],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=60,
        ).stdout
        answers.add(out)
    assert len(answers) == 1


@pytest.mark.parametrize(
    "text, code",
    [
        # the number before the gateway's own message, and nothing else says MaaS
        ("asked for the render job with the ops team's key and got 81109 No permission query task", "ModelArts.81109"),
        ("视频任务过了三天再查，返回 81108 Task does not exist", "ModelArts.81108"),
        # before the reason phrase of its status
        ("load test at noon: 81111 Too many requests although TPM is at 40%", "ModelArts.81111"),
        # before words that describe its cause better than any other playbook's
        ("客服助手的提示词里有攻击类的词，每次都被 81011 内容审核拦下", "ModelArts.81011"),
    ],
)
def test_a_bare_maas_number_with_its_own_words_beside_it_is_that_code(matcher, text, code):
    assert said(matcher, text) == code


@pytest.mark.parametrize(
    "text",
    [
        "the import finished: 81108 rows, 12 rejected as duplicates",
        "ticket 81109 (no permission to edit the wiki page) is closed",
        "we served 81111 requests yesterday, a new record",
    ],
)
def test_a_bare_number_without_its_codes_words_is_a_number(matcher, text):
    assert said(matcher, text) is None


@pytest.mark.parametrize("spelling", ["realtime service", "real time service", "real-time service", "real-time svc"])
def test_the_real_time_service_in_any_spelling_is_modelarts(matcher, spelling):
    text = f"every time we update the {spelling} the container restarts over and over, restart count 20"
    assert said(matcher, text) == "deploy-restart-loop"


def test_a_documented_message_with_a_placeholder_is_found_with_the_name_filled_in(matcher):
    # the playbook documents "No Module named XXX"; the service prints the real module's name
    text = "modelarts online service log: No module named 'torchvision', the requirements file lists it"
    assert said(matcher, text) == "deploy-module-not-found"
    assert said(matcher, "my notebook on my laptop: No module named 'torchvision', pip is broken again") is None
    # an example name in backticks is such a placeholder, and a copied message may lose its full stop
    assert said(matcher, "ModelArts 上部署的服务返回 NotFoundError：The model `llama-70b` does not exist") == (
        "llm-bad-request"
    )


@pytest.mark.parametrize(
    "text, code",
    [
        # a 429 on MaaS is the request-rate limit's sign, unless the paste tells of another limit of that status
        (
            "our MaaS batch gets HTTP 429 again, and the text mentions the messages max size of 5000; "
            "the agent history is huge",
            "ModelArts.81113",
        ),
        (
            "新版推理服务部署时设置了请求体大小上限 2MB，发 3MB 的图片就返回 413，说请求体大小超过了允许的最大值",
            "ModelArts.4104",
        ),
    ],
)
def test_a_bare_status_goes_to_the_playbook_of_that_status_the_paste_describes(matcher, text, code):
    assert said(matcher, text) == code


def test_chinese_bao_before_an_error_text_reports_a_failure(matcher):
    # 报 + the error's own words is "it reports ..." (报错 without the 错)
    assert said(matcher, "ModelArts 上的 vLLM 服务报 maximum context length，我们 max_tokens 给了 30000") == (
        "llm-bad-request"
    )


def test_an_exception_raised_is_reported(matcher):
    assert said(matcher, "the Go client raised a timeout talking to ModelArts; nothing came back, an empty 504") == (
        "request-timed-out"
    )


@pytest.mark.parametrize(
    "text, code",
    [
        ("the maas endpoint only says 81009 since lunch", "ModelArts.81009"),
        ("MaaS chat for the report bot: 403 with 81014 since Monday", "ModelArts.81014"),
        ("81006 again on MaaS this morning for every model", "ModelArts.81006"),
        ("the nightly job → MaaS → 81002, every run since the deploy", "ModelArts.81002"),
        ('our MaaS summariser is down, the gateway returning "81014" since midnight', "ModelArts.81014"),
        ("MaaS 调用一直返回81009，模型名是从页面上抄的", "ModelArts.81009"),  # no space after Chinese text
        ("MaaS 返回的是 81014，后面的日志没了", "ModelArts.81014"),
    ],
)
def test_a_bare_maas_code_after_a_report_a_status_or_an_arrow_is_read(matcher, text, code):
    assert said(matcher, text) == code


def test_an_arrow_between_two_codes_maps_them(matcher):
    assert said(matcher, "our MaaS migration sheet maps the old codes: 4905 -> 81003, 4207 -> 81005") is None


@pytest.mark.parametrize(
    "text",
    [
        # the management API's own address, even from a function called predict()
        "ERROR predict(): POST https://modelarts.cn-east-3.myhuaweicloud.com/v2/4f1a/notebooks failed, 400 "
        '{"error_code":"ModelArts.6305","error_msg":"Notebook flavor sold out."}',
        "ModelArts 训练 作业 又报 ModelArts.2207 了（是训练，不是推理）",  # spaced words count as written
        "hyperparameter search on ModelArts stopped with ModelArts.2903 after 40 trials",
        # the server's own message names a management object; the caller's function names do not outweigh it
        'RestClientException in VisionClient.predict(): 404 "{"error_code":"ModelArts.6418",'
        '"error_msg":"Training job version not found."}"',
    ],
)
def test_a_paste_from_the_management_side_gets_no_family_answer(matcher, text):
    assert said(matcher, text) is None


@pytest.mark.parametrize(
    "paste",
    [
        "httpx.HTTPStatusError: Client error '500 Internal Server Error' for url '{url}'\n"
        "response.json() = {{'error_code': 'ModelArts.4977', 'error_msg': 'Dispatcher fault.'}}",
        "HTTPError: 500 Server Error: Internal Server Error for url: {url}\n\nIn [15]: resp.text\n"
        'Out[15]: \'{{"error_code": "ModelArts.4977", "error_msg": "Dispatcher fault."}}\'',
    ],
)
def test_a_status_line_reason_phrase_does_not_outrank_the_code_in_the_body(matcher, paste):
    # "Internal Server Error" here is HTTP's reason phrase, not the gateway's own "Internal server error." message
    assert said(matcher, paste.format(url=URL)) == "ModelArts.XXXX"


@pytest.mark.parametrize(
    "text, code",
    [
        ("calling our ModelArts service now gives 4118 and says the account is suspended", "ModelArts.4118"),
        ("after the image update the ModelArts service gives 4302 connection refused on every call", "ModelArts.4302"),
        (
            "the MaaS-deployed qwen answers 4207 The free quota has been used up, two weeks into the trial",
            "ModelArts.4207",
        ),
    ],
)
def test_a_bare_classic_number_before_its_own_message_is_that_code(matcher, text, code):
    assert said(matcher, text) == code


@pytest.mark.parametrize(
    "text",
    [
        "the ModelArts batch wrote 4503 rows and 4207 files last night, all fine",
        "we moved the ModelArts notebook proxy to port 4503 (was 8080)",
    ],
)
def test_a_bare_four_digit_number_without_its_codes_words_is_a_number(matcher, text):
    assert said(matcher, text) is None


def test_a_sign_of_the_codes_own_playbook_beside_it_makes_it_reported(matcher):
    # nothing says "got" or "returns", but the words after the code are its playbook's own sign
    assert said(matcher, "video lookup on maas: ModelArts.81108 task vid-88 does not exist") == "ModelArts.81108"


@pytest.mark.parametrize(
    "text",
    [
        "calls to the ModelArts service hang, and at about 40s the client gives up; the body stays empty",
        "ModelArts の在線サービスを呼ぶと40秒ほどでタイムアウトになり、ボディは空です",
    ],
)
def test_a_hang_or_a_japanese_timeout_near_forty_seconds_is_a_time_out(matcher, text):
    assert said(matcher, text) == "request-timed-out"


def test_a_healthy_log_tells_no_failure_in_other_words():
    # routine lines (INFO, DEBUG) say what a program does every minute; only a log's errors and the writer's own
    # words are read as a description
    from bot.extract import routine_lines_dropped, told

    lines = []
    for minute in range(30):
        stamp = f"2026-01-05 10:{minute:02d}:07,120"
        lines.append(f"{stamp} DEBUG retry policy: attempts={minute * 11} backoff=2s, calls keep going")
        lines.append(f"{stamp} INFO  client - POST /v1/infers/6c1d 200 in 310ms")
    log = "\n".join(lines)
    assert told(log), "read whole, the routine lines alone look like a failure told"
    assert not told(routine_lines_dropped(log))
    failing = log + "\n2026-01-05 10:31:00,001 ERROR client - every call times out since 10:30"
    assert told(routine_lines_dropped(failing))


def test_a_call_to_another_providers_host_is_not_ours_whatever_its_headers(matcher):
    paste = (
        "$ curl -si https://ark.cn-beijing.volces.com/api/v3/chat/completions -H 'X-Auth-Token: abc' -d @q.json\n"
        "HTTP/1.1 429 Too Many Requests\n"
        '{"error":{"code":"RateLimitExceeded","message":"slow down"}}'
    )
    assert said(matcher, paste) is None


def test_other_systems_errors_in_a_log_are_not_modelarts_failures(matcher):
    lines = []
    for second in range(20):
        stamp = f"2026-02-03 08:15:{second:02d}"
        lines.append(f"{stamp} INFO  scorer - POST https://api.modelarts-maas.com/v2/chat/completions 200 in 1.4s")
        if second % 4 == 0:
            lines.append(f"{stamp} ERROR rabbitmq: connection refused amqp://mq.internal:5672, retrying")
        if second % 5 == 0:
            lines.append(f"{stamp} ERROR mysql: 429 Too Many Requests from the proxy pool, backing off")
    log = "\n".join(lines)
    assert said(matcher, log) is None
    # the same log, with ModelArts's own call failing, is answered
    failing = log + '\n2026-02-03 08:15:21 ERROR scorer - MaaS call failed: 401 {"error_code":"ModelArts.81003"}'
    assert said(matcher, failing) == "ModelArts.81003"


@pytest.mark.parametrize(
    "text, code",
    [
        ("APIGW.0308 throttling while terraform refreshes our VPC resources", None),
        ("APIGW.0301 from the IAM API in our user-sync job, not an inference call", None),
        (
            '{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"} from the hcloud CLI',
            None,
        ),
        # people mix the two up: with an inference call in sight it is the prediction gateway's code
        ("APIGW.0301 on every call to our ModelArts infer endpoint since the token rotation", "APIG.0301"),
    ],
)
def test_apigw_with_a_w_is_huawei_clouds_own_service_apis_unless_an_inference_call_shows(matcher, text, code):
    assert said(matcher, text) == code


@pytest.mark.parametrize(
    "text, code",
    [
        # a quote between the arrow and the code
        ('the OCR service calls → "ModelArts.4503" since the image update this morning', "ModelArts.4503"),
        # a bare MaaS code that ends its sentence
        ("maas rejects every call now. code 81002. we rotated the key yesterday", "ModelArts.81002"),
    ],
)
def test_a_code_after_an_arrow_and_a_quote_or_ending_its_sentence_is_read(matcher, text, code):
    assert said(matcher, text) == code


@pytest.mark.parametrize(
    "text, code",
    [
        ("long videos on our ModelArts service: the gateway gives 504 'Backend timeout' after a while", "APIG.0203"),
        ("our ModelArts service behind AppCode auth: 502 'Backend unavailable' from the gateway", "APIG.0202"),
    ],
)
def test_a_message_two_codes_share_goes_to_the_code_known_by_it(matcher, text, code):
    # APIG.0201 lists these texts among the several it answers with; 0202 and 0203 are known by them
    assert said(matcher, text) == code


@pytest.mark.parametrize(
    "text, code",
    [
        ("MaaS のチャットを呼んだら 81009 が返ってきます。モデル名はコンソールからコピーしました", "ModelArts.81009"),
        ("maas said 81010 twice and then nothing", "ModelArts.81010"),
    ],
)
def test_a_bare_maas_code_reported_after_it_or_in_japanese_is_read(matcher, text, code):
    assert said(matcher, text) == code


@pytest.mark.parametrize(
    "text",
    [
        "our jest suite mocks MaaS: nock(base).post('/v2/chat/completions').reply(429, {error_code: 'ModelArts.81101'})",
        "on the ops board the panel 'ModelArts.4503 count' shows 0 for the last two weeks",
    ],
)
def test_a_mock_or_a_zero_count_is_not_a_failure(matcher, text):
    assert said(matcher, text) is None


# Shapes of report and of talk, one class of paste each (the id names the class): a bare MaaS number, where a code
# came from, a code whose own words say it is over, Japanese state names, a ticket, a description its symptom
# confirms; and the talk that names codes without a failure.
ANSWERED = [
    pytest.param(
        "ModelArts のデプロイが Deploying のまま30分進みません。ログにはエラーなし",
        "deploy-stuck-deploying",
        id="the_english_state_name_in_a_japanese_sentence",
    ),
    pytest.param(
        "openai.APIConnectionError: Connection error. base_url=https://api.modelarts-maas.com/v2",
        "client-network",
        id="the_openai_sdks_connection_error_is_a_network_failure",
    ),
    pytest.param(
        "incident update: maas deepseek calls failing with 81010 since 09:12, failed over to qwen",
        "ModelArts.81010",
        id="a_bare_maas_number_is_a_code_unless_it_counts_or_names_something",
    ),
    pytest.param(
        "maas glm-5: 81006 since Monday",
        "ModelArts.81006",
        id="a_bare_maas_number_is_a_code_unless_it_counts_or_names_something",
    ),
    pytest.param(
        "one more for the maas pile: 81116 at 9am",
        "ModelArts.81116",
        id="a_bare_maas_number_is_a_code_unless_it_counts_or_names_something",
    ),
    pytest.param(
        "modelarts inference 2.0 llm service, CF2.E00003 when max_tokens=16000",
        "CF2.E00003",
        id="a_code_told_with_its_circumstance_is_reported",
    ),
    pytest.param(
        "リアルタイムサービスの推論で ModelArts.4503 のタイムアウトが頻発しています",
        "ModelArts.4503",
        id="a_code_told_with_its_circumstance_is_reported",
    ),
    pytest.param(
        "account suspended? predictions say ModelArts.4118",
        "ModelArts.4118",
        id="a_code_told_with_its_circumstance_is_reported",
    ),
    pytest.param(
        "sent x-api-key header to the /v2/chat/completions path and got 400 -> 81002",
        "ModelArts.81002",
        id="a_bare_maas_number_in_an_llm_call_is_read_without_the_word_maas",
    ),
    pytest.param(
        "/v1/models works fine but chat with kimi gives 403, code 81004",
        "ModelArts.81004",
        id="a_bare_maas_number_in_an_llm_call_is_read_without_the_word_maas",
    ),
    pytest.param(
        "Incident log:\n09:00 APIG.0308 throttling on infer API — resolved by client backoff 09:20\n10:30 APIG.0307 The token must be updated — still failing after the password rotation",
        "APIG.0307",
        id="a_code_whose_own_words_say_it_is_over_gives_way_to_the_one_that_goes_on",
    ),
    pytest.param(
        "Old error was APIG.1009 (wrong secret, fixed). New error after switching to the token URL: APIG.0301 x-auth-token not found",
        "APIG.0301",
        id="a_code_whose_own_words_say_it_is_over_gives_way_to_the_one_that_goes_on",
    ),
    pytest.param(
        "Handover:\n- RESOLVED: APIG.0203 backend timeout on the summariser\n- OPEN: MaaS summariser returns 81001 Prompt length exceeds for long contracts",
        "ModelArts.81001",
        id="a_code_whose_own_words_say_it_is_over_gives_way_to_the_one_that_goes_on",
    ),
    pytest.param(
        "ModelArts のリアルタイムサービスが「デプロイ中」のまま動きません。ログにエラーはありません",
        "deploy-stuck-deploying",
        id="japanese_state_names_and_bug_report_tickets_are_answered",
    ),
    pytest.param(
        "ModelArtsの推論サービスが「アラーム」状態で、予測がときどき失敗します",
        "service-alarm",
        id="japanese_state_names_and_bug_report_tickets_are_answered",
    ),
    pytest.param(
        "[FIRING] realtime-service 'scorer' status=Alarm (ModelArts console), 2 of 3 instances unhealthy",
        "service-alarm",
        id="japanese_state_names_and_bug_report_tickets_are_answered",
    ),
    pytest.param(
        "推論URLにブラウザでアクセスすると Method Not Allowed が返ります",
        "method-not-allowed",
        id="japanese_state_names_and_bug_report_tickets_are_answered",
    ),
    pytest.param(
        "JIRA ML-12: service fails to deploy\nDescription: the ModelArts real-time service deploy runs 30 min, then events show 'failed to pull image, retry later'.",
        "deploy-image-pull-failed",
        id="japanese_state_names_and_bug_report_tickets_are_answered",
    ),
    pytest.param(
        "service stuck in Deploying for 40 minutes, logs are completely clean, events nothing. custom image",
        "deploy-stuck-deploying",
        id="a_description_and_its_playbooks_own_symptom_agreeing_need_no_modelarts_word",
    ),
    pytest.param(
        "our service has been in Alarm state since 3am and predictions fail intermittently. memory climbs",
        "service-alarm",
        id="a_description_and_its_playbooks_own_symptom_agreeing_need_no_modelarts_word",
    ),
    pytest.param(
        "@oncall LangChain agent -> api.modelarts-maas.com/v2 returns 401 ModelArts.81003. Key was created in the Hong Kong console. is that it?",
        "ModelArts.81003",
        id="a_mention_opening_a_message_and_what_went_wrong_in_other_words_report_a_code",
    ),
    pytest.param(
        "batch service: ModelArts.3551 OBS path obs://bkt/out/ does not exist.",
        "ModelArts.3551",
        id="a_mention_opening_a_message_and_what_went_wrong_in_other_words_report_a_code",
    ),
    pytest.param(
        "Bonjour, notre service ModelArts renvoie APIG.0308 quand on lance le batch nocturne",
        "APIG.0308",
        id="a_mention_opening_a_message_and_what_went_wrong_in_other_words_report_a_code",
    ),
    pytest.param(
        "MaaSのキーにIPホワイトリストを設定したらCIから 81015 が返る",
        "ModelArts.81015",
        id="a_mention_opening_a_message_and_what_went_wrong_in_other_words_report_a_code",
    ),
    pytest.param(
        "图片太大，81118 超出像素限制，MaaS 多模态接口",
        "ModelArts.81118",
        id="a_mention_opening_a_message_and_what_went_wrong_in_other_words_report_a_code",
    ),
    pytest.param(
        'Subject: Re: OCR API broken since this morning\n\nevery call to our ModelArts OCR service returns:\n  HTTP 403\n  {"error_code":"ModelArts.4116","error_msg":"User has been owed. Please recharge."}',
        "ModelArts.4116",
        id="a_modelarts_service_named_like_a_cloud_api_and_terse_reports_are_answered",
    ),
    pytest.param(
        "predicting through apig: APIG.2212 each time",
        "APIG.2212",
        id="a_modelarts_service_named_like_a_cloud_api_and_terse_reports_are_answered",
    ),
    pytest.param(
        "MaaS の呼び出しで ModelArts.81101 レート制限超過 (429)",
        "ModelArts.81101",
        id="a_modelarts_service_named_like_a_cloud_api_and_terse_reports_are_answered",
    ),
    pytest.param(
        "never seen this one — APIG.2213 from the inference endpoint, 400, only through the partner SSO",
        "APIG.2213",
        id="where_a_code_came_from_reports_it",
    ),
    pytest.param(
        "MaaS: ModelArts.81007 on a chat completion, 400, message 'unknown'.",
        "ModelArts.81XXX",
        id="where_a_code_came_from_reports_it",
    ),
]

SILENT = [
    pytest.param(
        "\n".join(
            [
                f"2025-10-{d:02d} 0{d % 10}:00:00,100 INFO  worker - processed batch {d} on /v1/infers/ab12 in 40ms"
                for d in range(1, 13)
            ]
            + ["ERROR psycopg2.OperationalError: could not connect to server: Connection refused"]
        ),
        id="a_long_logs_unstamped_error_line_of_another_system",
    ),
    pytest.param(
        "MaaS usage this month: 81003 thousand input tokens on deepseek, way over budget",
        id="a_bare_maas_number_that_counts_names_or_maps_is_not_a_code",
    ),
    pytest.param(
        "we served 81101 requests through maas yesterday, new record",
        id="a_bare_maas_number_that_counts_names_or_maps_is_not_a_code",
    ),
    pytest.param(
        "maas migration appendix updated: 4905 -> 81003 in the code mapping",
        id="a_bare_maas_number_that_counts_names_or_maps_is_not_a_code",
    ),
    pytest.param(
        "the maas order 81101 shipped, tracking attached",
        id="a_bare_maas_number_that_counts_names_or_maps_is_not_a_code",
    ),
    pytest.param(
        "Hypothetically, if the account goes into arrears, do MaaS calls fail with ModelArts.81006 right away?",
        id="a_supposed_case_a_closed_incident_or_a_rule_is_not_a_failure",
    ),
    pytest.param(
        "Cost question: does a failed MaaS call with ModelArts.81001 get billed?",
        id="a_supposed_case_a_closed_incident_or_a_rule_is_not_a_failure",
    ),
    pytest.param(
        "日报：MaaS 调用量 120万次，主要是 ModelArts.81101，已经加了限流，今天无新增告警",
        id="a_supposed_case_a_closed_incident_or_a_rule_is_not_a_failure",
    ),
    pytest.param(
        "the incident from Tuesday (ModelArts.4700 during platform upgrade) is closed",
        id="a_supposed_case_a_closed_incident_or_a_rule_is_not_a_failure",
    ),
    pytest.param(
        "// TODO handle ModelArts.4905 when the MaaS key is missing",
        id="a_supposed_case_a_closed_incident_or_a_rule_is_not_a_failure",
    ),
    pytest.param(
        "grafana alert definition draft: fire when count of APIG.0301 > 50 in 10m (not firing, just setting it up)",
        id="a_supposed_case_a_closed_incident_or_a_rule_is_not_a_failure",
    ),
    pytest.param(
        "what does ModelArts.81114 mean in general? saw it in a blog post",
        id="read_in_a_blog_imagined_disowned_confirmed_or_from_another_surface_is_not_a_failure",
    ),
    pytest.param(
        "lol imagine getting APIG.0308 on a friday evening 😂",
        id="read_in_a_blog_imagined_disowned_confirmed_or_from_another_surface_is_not_a_failure",
    ),
    pytest.param(
        "nvm, the ModelArts.4302 was from the staging doc example, not a real failure",
        id="read_in_a_blog_imagined_disowned_confirmed_or_from_another_surface_is_not_a_failure",
    ),
    pytest.param(
        "本地 vllm 起的 qwen 报 maximum context length，和华为云无关",
        id="read_in_a_blog_imagined_disowned_confirmed_or_from_another_surface_is_not_a_failure",
    ),
    pytest.param(
        "文档里 APIG.0101 的解释是 API 不存在，对吧？只是确认下",
        id="read_in_a_blog_imagined_disowned_confirmed_or_from_another_surface_is_not_a_failure",
    ),
    pytest.param(
        "APIG.0301 の意味をドキュメントにまとめました（障害ではありません）",
        id="read_in_a_blog_imagined_disowned_confirmed_or_from_another_surface_is_not_a_failure",
    ),
    pytest.param(
        "自动学习任务失败 ModelArts.0110",
        id="read_in_a_blog_imagined_disowned_confirmed_or_from_another_surface_is_not_a_failure",
    ),
    pytest.param(
        "tabletop exercise scenario: 'assume MaaS returns 81010 for 30 minutes'. what's our comms plan?",
        id="read_in_a_blog_imagined_disowned_confirmed_or_from_another_surface_is_not_a_failure",
    ),
    pytest.param(
        "nit: rename ERR_MR_0105 to ERR_RECOGNITION_FAILED for readability (errors.go line 44)",
        id="identifiers_doc_excerpts_meaning_questions_and_tips_are_not_failures",
    ),
    pytest.param(
        "docs excerpt: 'ModelArts.4206: Excessive number of requests. Solution: reduce the request rate.'",
        id="identifiers_doc_excerpts_meaning_questions_and_tips_are_not_failures",
    ),
    pytest.param(
        "APIG.0308 って一般的にどういう意味ですか？今はエラー出てません",
        id="identifiers_doc_excerpts_meaning_questions_and_tips_are_not_failures",
    ),
    pytest.param(
        "tip: set the openai client timeout to 120s when streaming from MaaS — sharing in case it helps",
        id="identifiers_doc_excerpts_meaning_questions_and_tips_are_not_failures",
    ),
    pytest.param(
        "ModuleNotFoundError: No module named 'torchvision' when running train.py on my laptop",
        id="a_generic_exception_or_another_platforms_deploy_is_not_enough",
    ),
    pytest.param(
        "Vercel deployment stuck in Deploying for 20 minutes",
        id="a_generic_exception_or_another_platforms_deploy_is_not_enough",
    ),
    pytest.param(
        "Grafana panel title: 'ModelArts.4503 count (24h)' shows 0 — dashboard works",
        id="a_zero_count_a_recovery_feedback_on_the_bot_or_a_doc_example_is_not_a_failure",
    ),
    pytest.param(
        "[RESOLVED:1] InferErrors svc=ocr-prod code=ModelArts.4302 — instances healthy again since 10:42",
        id="a_zero_count_a_recovery_feedback_on_the_bot_or_a_doc_example_is_not_a_failure",
    ),
    pytest.param(
        "我觉得机器人对 81011 的回答太长了，能不能精简一下",
        id="a_zero_count_a_recovery_feedback_on_the_bot_or_a_doc_example_is_not_a_failure",
    ),
    pytest.param(
        "写文档：APIG.0201 请求体过大（示例，不是报错）",
        id="a_zero_count_a_recovery_feedback_on_the_bot_or_a_doc_example_is_not_a_failure",
    ),
    pytest.param(
        '$ curl -s https://api.modelarts-maas.com/v1/models -H "Authorization: Bearer $KEY" | jq \'.data[].id\'\n"DeepSeek-V3"\n"qwen3-32b"',
        id="a_model_list_a_one_line_match_or_a_japanese_training_job_is_not_a_failure",
    ),
    pytest.param(
        'match err.code.as_str() { "ModelArts.81003" => Err(AuthError::BadKey), "ModelArts.81101" => Err(Throttled) }',
        id="a_model_list_a_one_line_match_or_a_japanese_training_job_is_not_a_failure",
    ),
    pytest.param(
        "学習ジョブが ModelArts.2763 で失敗しました",
        id="a_model_list_a_one_line_match_or_a_japanese_training_job_is_not_a_failure",
    ),
    pytest.param(
        "What would happen if our MaaS key leaked? Would we see 81015 if we set an IP allowlist? Just thinking ahead.",
        id="a_supposed_case_a_zero_grep_doc_reading_or_a_plan_is_not_a_failure",
    ),
    pytest.param(
        "grep -c 'ModelArts.4503' predictor.log → 0 for the last 24h. nice",
        id="a_supposed_case_a_zero_grep_doc_reading_or_a_plan_is_not_a_failure",
    ),
    pytest.param(
        "Reading the ModelArts docs: 'Deploying' stuck usually = wrong port (default 8080). Adding it to our checklist.",
        id="a_supposed_case_a_zero_grep_doc_reading_or_a_plan_is_not_a_failure",
    ),
    pytest.param(
        "是否有人知道新版推理的请求超时在哪里配置？我们准备把上限调到 120 秒",
        id="a_supposed_case_a_zero_grep_doc_reading_or_a_plan_is_not_a_failure",
    ),
]


@pytest.mark.parametrize(("text", "code"), ANSWERED)
def test_a_failure_reported_in_this_shape_gets_its_playbook(matcher, text, code):
    assert said(matcher, text) == code


@pytest.mark.parametrize("text", SILENT)
def test_talk_that_names_a_code_without_a_failure_stays_silent(matcher, text):
    assert said(matcher, text) is None


def test_a_failure_that_passed_by_itself_is_still_answered(matcher):
    text = "MaaS returned ModelArts.81010 for about 15 min this afternoon on qwen3, then recovered. why?"
    assert said(matcher, text) == "ModelArts.81010"


def test_a_long_logs_routine_lines_and_other_systems_lines_raise_nothing(matcher):
    routine = [
        f"2026-03-{d:02d} 0{d % 10}:1{d % 6}:00 INFO  llm - maas chat ok model=deepseek-v3 prompt_tokens={900 + d}"
        for d in range(1, 25)
    ]
    routine.insert(8, "2026-03-09 04:00:00 INFO  scheduler - next run in 41s")
    routine.insert(15, "2026-03-16 05:00:00 WARN  nginx - upstream timed out (110: Connection timed out) while reading")
    routine.insert(20, "2026-03-21 06:00:00 ERROR openai - RateLimitError: 429 - Rate limit reached for gpt-4o-mini")
    assert said(matcher, "\n".join(routine)) is None
