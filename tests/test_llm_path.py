"""The LLM path (ModelArts Studio / MaaS): codes in every shape a client prints them, the MaaS hop and route,
MaaS addresses, keys masked, bodies hidden by clients, and other providers left alone."""

from __future__ import annotations

import pytest

from bot.extract import extract
from bot.redact import redact
from bot.triage import triage
from bot.vocabulary import Layer, Route

FLAT = '{"error_code":"ModelArts.81009","error_msg":"Invalid model."}'
NESTED = '{"error":{"code":"ModelArts.81009","message":"Invalid model.","param":null,"type":"NotFound"}}'
SDK = (
    "openai.NotFoundError: Error code: 404 - {'error': {'code': 'ModelArts.81009', 'message': 'Invalid model.', "
    "'type': 'NotFound'}}"
)
ESCAPED = (
    '[provider_response_error] Error from provider(maas,glm-5: 404): {\\"error\\":{\\"code\\":\\"ModelArts.81009\\"}}'
)


@pytest.mark.parametrize("paste", [FLAT, NESTED, SDK, ESCAPED])
def test_a_maas_code_is_read_in_every_shape_and_answered_by_its_own_playbook(matcher, paste):
    d = matcher.diagnose(paste)
    assert d.matched and d.best.playbook.code == "ModelArts.81009"
    assert d.best.layer is Layer.MAAS and d.route is Route.MAAS


def test_wrapped_and_streamed_codes_keep_the_wrapper_status(matcher):
    sse = (
        "HTTP/1.1 200 OK\ncontent-type: text/event-stream\n\n"
        'data:{"text":"[DONE]","error_code":"InferHub.ModelArts.81111.429","error_msg":"Too many requests"}'
    )
    (hit,) = extract(sse).codes
    assert (hit.code, hit.status, hit.in_body) == ("ModelArts.81111", 429, True)
    assert matcher.diagnose(sse).best.playbook.code == "ModelArts.81111"


def test_a_code_with_a_digit_too_many_is_the_code_it_was_meant_to_be(matcher):
    d = matcher.diagnose("mass/glm-5 keeps returning 403 ModelArts.810006: The resource is frozen")
    assert d.matched and d.best.playbook.code == "ModelArts.81006" and "written ModelArts.810006" in d.best.why
    # one digit from two codes: the message beside it decides
    d = matcher.diagnose('ModelArts.811101 "Too many requests, exceeded rate limit is 700 times per minute."')
    assert d.best.playbook.code == "ModelArts.81101"


def test_the_same_code_means_other_things_on_the_two_routes(matcher):
    maas = (
        "POST https://maas-cn-east-4.modelarts-maas.com/v1/infers/1a2b3c4d-0000-4e5f-8a9b-0c1d2e3f4a5b/v1/chat/completions\n"
        'HTTP 500 {"error_code": "ModelArts.4302","error_msg": "Gateway forwarding error because the access is rejected. "}'
    )
    classic = (
        "POST https://0a1b2c3d4e5f60718293a4b5c6d7e8f9.apig.cn-north-4.huaweicloudapis.com/v1/infers/"
        "1a2b3c4d-0000-4e5f-8a9b-0c1d2e3f4a5b\n"
        '500 {"error_code":"ModelArts.4302","error_msg":"Gateway forwarding error. Failed to invoke backend service due '
        'to connection refused. "}'
    )
    on_maas, on_classic = matcher.diagnose(maas).best, matcher.diagnose(classic).best
    assert (on_maas.variant_id, on_maas.layer) == ("service-stopped", Layer.MAAS)
    assert (on_classic.variant_id, on_classic.layer) == ("connection-refused", Layer.DISPATCHER)
    assert "stopped" in on_maas.cause and "stopped" not in on_classic.title


@pytest.mark.parametrize(
    ("url", "region", "service", "version"),
    [
        ("https://api.modelarts-maas.com/v2/chat/completions", None, None, "v2"),
        ("https://api-ap-southeast-1.modelarts-maas.com/openai/v1/chat/completions", "ap-southeast-1", None, "v1"),
        (
            "https://maas-cn-east-4.modelarts-maas.com/v1/infers/8d2d3d1c-6a3c-4d0e-9c1a-2b3c4d5e6f70/v1/chat/completions",
            "cn-east-4",
            "8d2d3d1c-6a3c-4d0e-9c1a-2b3c4d5e6f70",
            "v1",
        ),
    ],
)
def test_maas_addresses_are_recognised(url, region, service, version):
    (found,) = extract(f"calling {url} fails").urls
    assert (found.route, found.region, found.service_id, found.api_version) == (Route.MAAS, region, service, version)


def test_maas_keys_are_masked_however_they_are_written():
    key = "k3JdQ9xP2mVn8LwR5tYb7cZs4HgF1aEe6uIo0pKj-_Xv3NqW8rT2yU5iO9pLk7jHg4fDs1aZx"
    for paste in (
        f"Authorization: Bearer {key}",
        f"Authorization:  Bearer   {key}",
        f'curl -H "Authorization: bearer {key}"',
        f"export MAAS_API_KEY={key}",
        f"the key is {key} if that helps",
    ):
        cleaned = redact(paste)
        assert key not in cleaned.text and key[:20] not in cleaned.text and cleaned.kinds


def test_a_client_that_hides_the_body_gets_told_how_to_see_it(matcher):
    d = matcher.diagnose(
        "AuthenticationError: 401 status code (no body)\n    at APIError.generate (node_modules/openai/error.js:45)\n"
        "  baseURL: 'https://api.modelarts-maas.com/openai/v1'"
    )
    assert d.matched and d.best.playbook.code == "llm-body-hidden"
    assert any("curl -i" in step for step in d.best.steps)


def test_an_engine_rejection_without_a_code_needs_a_sign_of_modelarts(matcher):
    body = (
        "openai.BadRequestError: Error code: 400 - {'object': 'error', 'message': \"This model's maximum context "
        'length is 32768 tokens. However, you requested 32410 tokens (410 in the messages, 32000 in the completion).", '
        "'type': 'BadRequestError', 'param': None, 'code': 400}"
    )
    assert not matcher.diagnose(body).matched  # a local vLLM says the same
    on_maas = matcher.diagnose(body + "\n(our My services deployment on MaaS)")
    assert on_maas.matched and on_maas.best.playbook.code == "llm-bad-request" and on_maas.best.layer is Layer.ENGINE


@pytest.mark.parametrize(
    "paste",
    [
        "openai.RateLimitError: Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o in organization "
        "org-x on tokens per min (TPM): Limit 30000', 'type': 'tokens', 'code': 'rate_limit_exceeded'}}",
        'openai.AuthenticationError: Error code: 401 - {"error": {"message": "Incorrect API key provided: sk-proj-xx", '
        '"type": "invalid_request_error", "code": "invalid_api_key"}}',
        "火山方舟报错 InvalidEndpointOrModel.NotFound: The model or endpoint ep-2026 does not exist or you do not have "
        "access to it.",
        '{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}} '
        "from openai.azure.com",
        '{"error_code":"ModelArts.6271","error_msg":"Custom endpoint name has already been used"} creating a MaaS '
        "custom endpoint",
    ],
)
def test_other_providers_and_management_apis_are_left_alone(matcher, paste):
    assert not matcher.diagnose(paste).matched


def test_the_cli_and_slack_share_the_triage_of_a_maas_paste(matcher):
    t = triage(SDK, matcher, addressed=False)
    assert t.outcome == "answer" and t.playbook == "ModelArts.81009" and t.route is Route.MAAS
