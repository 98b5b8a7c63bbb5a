"""Every masking rule in bot/redact.py, and the ordinary text it must leave alone."""

from __future__ import annotations

import pytest

from bot.redact import _RULES, MASK, mask, redact

AK = "QTWAOYTTINDUT2QVKYUC"
SK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"

# (kind, text, the secret in it)
CASES = [
    ("Slack token", "bot token xoxb-998877-665544-secretsecret here", "xoxb-998877-665544-secretsecret"),
    ("Slack token", "SLACK_APP_TOKEN=xapp-1-A01-123456-abcdef0123", "xapp-1-A01-123456-abcdef0123"),
    ("Slack token", "user xoxp-1234-5678-90ab-cdef0123", "xoxp-1234-5678-90ab-cdef0123"),
    ("Slack token", "session xoxc-123456789012-123456789012-abcdef", "xoxc-123456789012-123456789012-abcdef"),
    ("Slack token", "Cookie: d=xoxd-Ab12%2FCd34%2BEf56%3D%3D; d-s=1", "xoxd-Ab12%2FCd34%2BEf56%3D%3D"),
    (
        "Slack webhook or response_url",
        "posting to https://hooks.slack.com/services/T000/B000/XXXXXXXX failed",
        "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
    ),
    (
        "AK/SK signature",
        "SignedHeaders=host;x-sdk-date, Signature=7be6668032f70418fcc22abc",
        "7be6668032f70418fcc22abc",
    ),
    ("access key (AK)", "Authorization: SDK-HMAC-SHA256 Access=abcd1234efgh, SignedHeaders=host", "abcd1234efgh"),
    ("IAM token", "X-Auth-Token: gAAAAABk-short.token_value", "gAAAAABk-short.token_value"),
    ("IAM token", '{"x-subject-token": "abcdefghijklmnop"}', "abcdefghijklmnop"),
    ("IAM token", "token MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggKXBgkqhkiG9w0B", "MIIEhQYJ"),
    ("AppCode", "X-Apig-AppCode: 3b9f2a7c1d4e4f6a8b0c2d4e6f8a0b1c", "3b9f2a7c1d4e4f6a8b0c2d4e6f8a0b1c"),
    ("bearer token", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9.payload.sig"),
    ("API key", "apikey=abcdef0123456789", "abcdef0123456789"),
    ("API key", '"api_key": "abc-def_0123456789"', "abc-def_0123456789"),
    ("API key", "OPENAI sk-proj0123456789abcdefghij", "sk-proj0123456789abcdefghij"),
    ("secret key (SK)", "app_secret=abcdefgh12345678ABCD", "abcdefgh12345678ABCD"),
    ("secret key (SK)", f"HUAWEICLOUD_SDK_SK={SK}", SK),
    ("secret key (SK)", f"the pair was {SK} yesterday", SK),
    ("access key (AK)", f"access_key_id: {AK}", AK),
    ("access key (AK)", f"HUAWEICLOUD_SDK_AK={AK}", AK),
    ("access key (AK)", "keys X7K2M9Q4PLR8T1ZVWN6B in the log", "X7K2M9Q4PLR8T1ZVWN6B"),
    ("password", '{"user": "svc", "password": "hunter2 with spaces"}', "hunter2 with spaces"),
    ("password", "GET /login?user=svc&password=hunter2&next=/ HTTP/1.1", "hunter2"),
    ("password", "curl -d 'user=svc&passwd=s3cr%40t' https://h/login", "s3cr%40t"),
    ("password", "https://h/token?pwd=Zx9!q", "Zx9!q"),
    ("password", "DB_PASSWORD=correct-horse", "correct-horse"),
]


@pytest.mark.parametrize(("kind", "text", "secret"), CASES, ids=[f"{k}: {t[:30]}" for k, t, _ in CASES])
def test_each_rule_masks_its_secret_and_names_its_kind(kind, text, secret):
    result = redact(text)
    assert secret not in result.text and MASK in result.text
    assert kind in result.kinds
    assert mask(text) == result.text


def test_every_rule_has_a_case():
    untested = [pattern.pattern for _, pattern in _RULES if not any(pattern.search(text) for _, text, _ in CASES)]
    assert untested == []


def test_only_the_secret_is_masked():
    assert mask("GET /login?user=svc&password=hunter2&next=/") == f"GET /login?user=svc&password={MASK}&next=/"
    assert mask('{"password": "p4ss", "user": "svc"}') == f'{{"password": "{MASK}", "user": "svc"}}'
    assert mask(f"X-Auth-Token: {'a' * 20}\nnext line") == f"X-Auth-Token: {MASK}\nnext line"


def test_every_kind_found_is_reported_once():
    result = redact(f"xoxb-1-secretsecret xoxc-1-secretsecret HUAWEICLOUD_SDK_AK={AK} password=a pwd=b")
    assert result.kinds == ("Slack token", "access key (AK)", "password")


@pytest.mark.parametrize(
    "text",
    [
        '{"error_code":"APIG.0201","error_msg":"Request entity too large","request_id":"0a1b2c3d4e5f60718293a4b5c6d7e8f9"}',
        '{"error_code":"ModelArts.4503","error_msg":"Failed to respond due to backend service not found"}',
        "X-Request-Id: 3c4f1e2d5a6b7c8d9e0f1a2b3c4d5e6f",
        "service 2b1c9e0f-77aa-4c1e-9a3d-5f0e6b7c8d90 is running",
        "fixed in commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (short 9fceb02)",
        "https://4f2a9c1d8e7b4a6c9d0e1f2a3b4c5d6e.apig.ap-southeast-1.huaweicloudapis.com/v1/infers/x",
        "Traceback (most recent call last):\n  File \"app.py\", line 12, in predict\nKeyError: 'images'",
        "curl: (6) Could not resolve host: example.com",
        "HTTP/1.1 401 Unauthorized\nContent-Type: application/json",
        "password reset required; enter your password= below",
        "PWD=/home/user/service OLDPWD=/tmp",
        "x-auth-token: short",
    ],
)
def test_ordinary_text_is_left_alone(text):
    result = redact(text)
    assert result.text == text and result.kinds == ()
