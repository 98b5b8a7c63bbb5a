"""Every masking rule in bot/redact.py, secrets disguised to slip past them, and the ordinary text it must leave alone."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

from bot.redact import _RULES, MASK, mask, redact
from bot.textnorm import MAX_CHARS, normalize
from tests.conftest import chatter, read_jsonl
from tests.golden_cases import CASES as GOLDEN_PASTES

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
    ("password", "git clone https://deploy:S3cr3tPass@git.example.com/team/repo.git", "S3cr3tPass"),
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


TOKEN = "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggKXBgkqhkiG9w0BBwGgggKIBIIChHsidG9rZW4iOnsi"
CODE = "3b9f2a7c1d4e4f6a8b0c2d4e6f8a0b1c"
MAAS_KEY = "k3JdQ9xP2mVn8LwR5tYb7cZs4HgF1aEe6uIo0pKj-_Xv3NqW8rT2yU5iO9pLk7jHg4fDs1aZx"
HOOK = "https%3A%2F%2Fhooks.slack.com%2Factions%2FT0001%2F123%2Fabcdefghijkl"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


API_KEY_BODY = b64('{"api_key":"sk-abcdefghijklmnopqrstuv"}')
PASSWORD_FORM = b64("user=svc&password=hunter2")
PROMPT_BODY = b64('{"prompt": "hi"}')


# (kind, text, parts of the secret none of which may survive)
DISGUISED = [
    ("bearer token", f"Authorization: Bearer  {MAAS_KEY}", [MAAS_KEY[:20]]),
    ("bearer token", f"Authorization: Bearer\t{MAAS_KEY}", [MAAS_KEY[:20]]),
    ("bearer token", f"Authorization: Bearer{' ' * 12}{MAAS_KEY}", [MAAS_KEY[:20]]),
    ("bearer token", f"Authorization: Bearer\u00a0\u3000{MAAS_KEY}", [MAAS_KEY[:20]]),
    ("Slack webhook or response_url", f"response_url: {HOOK}", ["abcdefghijkl"]),
    ("Slack webhook or response_url", f"token=x&response_url={HOOK}&trigger_id=1", ["abcdefghijkl"]),
    (
        "Slack webhook or response_url",
        r'{"response_url":"https:\/\/hooks.slack.com\/actions\/T1\/2\/abcdefghijkl"}',
        ["abcdefghijkl"],
    ),
    ("Slack webhook or response_url", "post to hooks.slack.com/services/T000/B000/XXXXXXXX", ["XXXXXXXX"]),
    # A shell line continuation inside the value, the rest indented on the next line.
    ("IAM token", f'curl -H "X-Auth-Token: {TOKEN[:64]}\\\n    {TOKEN[64:]}" https://h/v1', [TOKEN[:20], TOKEN[64:]]),
    # A terminal wrapped the header at 80 columns: the rest starts the next line (and the one after).
    ("IAM token", f"> X-Auth-Token: {TOKEN[:64]}\n{TOKEN[64:]}\n> Accept: */*", [TOKEN[:20], TOKEN[64:]]),
    ("IAM token", f'"X-Auth-Token": "{TOKEN[:60]}\n{TOKEN[60:90]}\n{TOKEN[90:]}",', [TOKEN[60:90], TOKEN[90:]]),
    ("IAM token", f"token {TOKEN[:70]}\r\n{TOKEN[70:]}\r\nnext", [TOKEN[70:]]),
    ("bearer token", f"Authorization: Bearer {MAAS_KEY[:62]}\n{MAAS_KEY[62:]}", [MAAS_KEY[62:]]),
    ("IAM token", f'{{"token":"MIIabc\\/def{TOKEN[10:]}"}}', ["def" + TOKEN[10:30]]),
    ("IAM token", f'{{"X-Subject-Token":"gAAAAABk\\/{TOKEN[5:30]}"}}', [TOKEN[5:30]]),
    ("secret key (SK)", '{"secret":"k3JdQ9xP2mVn\\/8LwR5tYb7cZs4Hg"}', ["8LwR5tYb7cZs4Hg"]),
    ("AppCode", f"X-Apig-AppCode%3A%20{CODE}", [CODE]),
    ("AppCode", f"https://h/v1/infers/x?appcode%3D{CODE}%26a%3Db", [CODE]),
    ("AppCode", "X-Apig-AppCode: 3b9f2a7c%2B1d4e4f6a%2F8b0c2d4e6f8a0b1c%3D", ["3b9f2a7c", "8b0c2d4e6f8a0b1c"]),
    ("API key", f"curl -d {API_KEY_BODY} https://h", [API_KEY_BODY[:16]]),
    ("password", f"curl --data '{PASSWORD_FORM}' https://h", [PASSWORD_FORM[:16]]),
    ("password", f'curl --data-binary "{b64("password=hunter2")}" https://h', [b64("password=hunter2")]),
    ("password", "https://user:S3cr3tPass@host.example.com/v1/x", ["S3cr3tPass"]),
    ("password", "REDIS_URL=redis://:pa55w0rd@cache.internal:6379/0", ["pa55w0rd"]),
    ("password", "postgres://svc:p@ss:w0rd@db:5432/app", ["p@ss:w0rd", "w0rd"]),
    ("Slack token", "ｘｏｘｂ－１２３４５６７８９０－ａｂｃｄｅｆｇｈｉｊ", ["1234567890"]),
    ("Slack token", "xoxb-123\x00456789012-abcdefghij", ["456789012"]),
    ("Slack token", "xoxb-12\u200b34567890-abcdefghij", ["34567890"]),
    ("Slack token", "xoxb-12\u200d34567890-abcdefghij", ["34567890"]),
    ("Slack token", "xoxb-1234567890\u200babcdefghij ok", ["abcdefghij"]),
    ("password", r"log: {\"user\": \"svc\", \"password\": \"hunter2\"}", ["hunter2"]),
]


@pytest.mark.parametrize(("kind", "text", "parts"), DISGUISED, ids=[f"{k}: {t[:40]!r}" for k, t, _ in DISGUISED])
def test_disguised_secrets_are_masked(kind, text, parts):
    result = redact(text)
    assert MASK in result.text and kind in result.kinds
    assert [part for part in parts if part in result.text] == []


def test_around_a_disguised_secret_only_normalisation_changes_the_text():
    assert mask("https://user:S3cr3tPass@host.example.com/v1") == f"https://user:{MASK}@host.example.com/v1"
    assert mask("redis://:pass@host:6379") == f"redis://:{MASK}@host:6379"
    assert mask(f"token=x&response_url={HOOK}&trigger_id=1") == f"token=x&response_url={MASK}&trigger_id=1"
    assert mask(f"X-Apig-AppCode%3A%20{CODE}%0D%0A") == f"X-Apig-AppCode%3A%20{MASK}%0D%0A"
    assert mask(f"curl -d '{b64('password=x')}' https://h") == f"curl -d '{MASK}' https://h"
    assert (
        mask(f"> X-Auth-Token: {TOKEN}\n> Accept: application/json")
        == f"> X-Auth-Token: {MASK}\n> Accept: application/json"
    )
    assert mask("bot ｘｏｘｂ－１２３４５６７８９０ ａｂｃ，ｏｋ") == f"bot {MASK} abc,ok"
    pem = f"-----BEGIN PRIVATE KEY-----\n{TOKEN[:64]}\n{TOKEN[64:]}\n-----END PRIVATE KEY-----"
    assert mask(pem) == f"-----BEGIN PRIVATE KEY-----\n{MASK}\n-----END PRIVATE KEY-----"


@pytest.mark.parametrize(
    "text",
    [
        f"X-Auth-Token: {TOKEN}\nContent-Type: application/json",
        f"X-Auth-Token: {TOKEN}\nnext line",
        f"X-Auth-Token: {TOKEN}\n401\n",
        f'curl -H "X-Auth-Token: {TOKEN}" \\\n  -H "Content-Type: application/json"',
        f"API_KEY={MAAS_KEY}\nMODEL=qwen3-32b",
    ],
)
def test_the_line_after_a_long_value_is_kept_unless_it_continues_the_value(text):
    """Only a line of nothing but credential characters (a letter among them) continues a value cut at its line's end."""
    assert mask(text).splitlines()[1:] == text.splitlines()[1:]


@pytest.mark.parametrize(
    "text",
    [
        # A base64 body that holds no credential; a container id after docker's -d.
        f"curl -d {PROMPT_BODY} https://h",
        "docker run -d 3f9a2b7c1d4e4f6a8b0c2d4e6f8a0b1c3f9a2b7c1d4e4f6a8b0c2d4e6f8a0b1c",
        # URLs with a port or a user but no password.
        "http://localhost:8080/v1/infers?next=a@b.com",
        "ssh://git@codehub.example.com:22/team/repo.git",
        "https://admin@console.huaweicloud.com/modelarts/?region=cn-north-4#/services",
        "POST https://maas-cn-east-4.modelarts-maas.com/v1/infers/1a2b3c4d-0000-4e5f-8a9b-0c1d2e3f4a5b/v1/chat/completions",
        '{"error_code":"APIG.0101","error_msg":"The API does not exist or has not been published in the environment"}',
        "用北京四拿到的 token 去调新加坡的在线服务，返回：APIG.0301，请求被拒绝。",
        "2025-06-11 08:14:44,514 - ERROR - model_service - [app.py:131] Algorithm crashed!\n"
        'Traceback (most recent call last):\n  File "/home/mind/model/app.py", line 126, in predict',
        "Slack's incoming webhooks live on hooks.slack.com; ours is in the vault.",
        "Bearer tokens expire after 24 hours",
    ],
)
def test_ordinary_text_only_gets_normalised(text):
    result = redact(text)
    assert result.text == normalize(text)[0] and result.kinds == ()


def _corpus() -> list[str]:
    """The labelled pastes the matcher is scored on (the long logs, over 20,000 characters, left to the test below)."""
    texts = [*GOLDEN_PASTES.values(), *chatter(), *(text for _, text, _ in CASES + DISGUISED)]
    for path in sorted((Path(__file__).parent / "data").glob("*.jsonl")):
        texts += [case["text"] for case in read_jsonl(path.name)]
    return [text for text in texts if len(text) <= 20_000]


def test_what_redact_returns_is_what_the_matcher_reads():
    """normalize() changes nothing more in redact's text, and redacting it again changes nothing: so the matcher
    (which normalises again) reads exactly the text that is shown and stored."""
    for text in _corpus():
        cleaned = redact(text).text
        assert normalize(cleaned)[0] == cleaned, text[:200]
        assert redact(cleaned).text == cleaned, text[:200]


def test_a_long_paste_is_bounded_first_and_stays_bounded():
    line = "2025-06-01 10:00:00 INFO worker: batch ok\r\n"
    paste = f"X-Auth-Token: {TOKEN}\n" + line * (MAX_CHARS // 20) + f"Authorization: Bearer {MAAS_KEY}\n"
    result = redact(paste)
    assert result.truncated and len(result.text) <= MAX_CHARS + 10
    assert TOKEN[:20] not in result.text and MAAS_KEY[:20] not in result.text
    assert result.kinds == ("IAM token", "bearer token")
    assert normalize(result.text)[0] == result.text
    assert not redact("short").truncated


@pytest.mark.parametrize(
    "paste",
    [
        "Bearer " * 750_000,
        "Authorization: Bearer\t" + " \t" * 2_500_000,
        "%41" * 1_700_000,
        "QUFB" * 1_300_000,
        "curl -d " + "QUFB" * 1_300_000,
        "-d " * 1_700_000,
        "-d QUFBQUFBQUFB " * 400_000,
        "secret=" * 750_000,
        "MII" + "%2B" * 1_700_000,
        ("MII" + "A" * 70 + "\\\n") * 70_000,
        ("X-Auth-Token: " + "A" * 70 + "\n1") * 60_000,
        "hooks.slack.com" * 350_000,
        "https://" * 650_000,
        "a://:" + "x" * 5_000_000,
        "X-Apig-AppCode%3A%20" * 260_000,
        "xoxb-1\u200b" * 700_000,
        "ｘ" * 5_000_000,
    ],
    ids=lambda paste: repr(paste[:16]),
)
def test_a_5_mb_adversarial_paste_is_redacted_quickly(paste):
    started = time.perf_counter()
    redact(paste)
    assert time.perf_counter() - started < 2  # a hang guard, not a benchmark
