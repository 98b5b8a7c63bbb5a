"""Masks credentials before text is shown, logged or stored, and says which kinds it found.

Huawei Cloud shapes (IAM tokens in X-Auth-Token, AK/SK pairs, AppCodes, SDK-HMAC-SHA256
signatures, app secrets, MaaS and inference-2.0 API keys) and chat-ops ones (Slack bot, app, user and session tokens,
response_url and webhook URLs, bearer tokens, passwords in JSON, query strings and forms).
Every pattern is linear, so redacting a 200 KB paste is cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "[masked]"

_SEP = r"""["']?\s{0,3}[:=]\s{0,3}["']?"""


def _after(keys: str, value: str) -> re.Pattern:
    """A secret ``value`` following one of the ``keys`` (header or field name) and a separator."""
    return re.compile(rf"(?i)(?:{keys}){_SEP}(?P<s>{value})")


_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("Slack token", re.compile(r"\b(?P<s>x(?:ox[abposrec]|app)-[A-Za-z0-9-]{10,})")),
    # A session cookie (xoxd-) is usually URL-encoded: %2F, %3D.
    ("Slack token", re.compile(r"\b(?P<s>xoxd-[A-Za-z0-9%+/=_-]{10,})")),
    ("Slack webhook or response_url", re.compile(r"(?P<s>https://hooks\.slack\.com/[^\s\"'<>|]+)")),
    ("AK/SK signature", re.compile(r"(?i)\bSignature=(?P<s>[0-9a-f]{16,})")),
    ("access key (AK)", re.compile(r"(?i)\bAccess=(?P<s>[A-Za-z0-9]{8,})")),
    ("IAM token", _after(r"x-auth-token|x-subject-token|x-security-token", r"[A-Za-z0-9+/=_.%-]{12,}")),
    ("IAM token", re.compile(r"\b(?P<s>MII[A-Za-z0-9+/=_-]{60,})")),
    ("AppCode", _after(r"appcode", r"[A-Za-z0-9]{12,}")),
    # MaaS and inference-2.0 API keys travel as Bearer too; any spacing after the word.
    ("bearer token", re.compile(r"(?i)\bbearer[ \t]{1,8}(?P<s>[A-Za-z0-9._~+/=-]{12,})")),
    ("API key", _after(r"\bapikey|\bapi[_-]key", r"[A-Za-z0-9_-]{12,}")),
    # A long random string (MaaS keys run to 80+ characters) is a credential wherever it stands.
    (
        "API key",
        re.compile(
            r"(?<![A-Za-z0-9_-])(?P<s>(?=[A-Za-z0-9_-]{0,200}[a-z])(?=[A-Za-z0-9_-]{0,200}[A-Z])"
            r"(?=[A-Za-z0-9_-]{0,200}\d)[A-Za-z0-9_-]{60,400})(?![A-Za-z0-9_-])"
        ),
    ),
    ("API key", re.compile(r"\b(?P<s>sk-[A-Za-z0-9_-]{20,})")),
    (
        "secret key (SK)",
        _after(r"\bsk|\bsecret(?:_?access)?_?key|\bapp_?secret|\bsecret|_sdk_sk", r"[A-Za-z0-9+/]{16,}"),
    ),
    (
        "secret key (SK)",
        re.compile(
            r"(?<![A-Za-z0-9+/])(?P<s>(?=[A-Za-z0-9]{0,39}[a-z])(?=[A-Za-z0-9]{0,39}[A-Z])[A-Za-z0-9]{40})(?![A-Za-z0-9])"
        ),
    ),
    ("access key (AK)", _after(r"\bak|\baccess_?key(?:_?id)?|_sdk_ak", r"[A-Z0-9]{20}")),
    (
        "access key (AK)",
        re.compile(r"(?<![A-Za-z0-9])(?P<s>(?=(?:[A-Z]*\d){4})(?=(?:\d*[A-Z]){4})[A-Z0-9]{20})(?![A-Za-z0-9])"),
    ),
    ("password", re.compile(r'(?i)"password"\s{0,3}:\s{0,3}"(?P<s>[^"]{1,200})"')),
    # Query strings, forms, env and config lines; PWD=/a/path (the shell's working directory) is no secret.
    ("password", re.compile(r"(?i)(?<![A-Za-z0-9])(?:password|passwd|pwd(?!=[/~]))=(?P<s>[^\s&#\"'<>]{1,200})")),
)


@dataclass(frozen=True)
class Redaction:
    """Text with credentials masked, and the kinds of credential found (empty when none)."""

    text: str
    kinds: tuple[str, ...]


def redact(text: str) -> Redaction:
    kinds: list[str] = []
    for kind, pattern in _RULES:
        text, count = pattern.subn(_keep_all_but_secret, text)
        if count and kind not in kinds:
            kinds.append(kind)
    return Redaction(text, tuple(kinds))


def _keep_all_but_secret(m: re.Match) -> str:
    whole, start, end = m.group(0), m.start("s") - m.start(), m.end("s") - m.start()
    return whole[:start] + MASK + whole[end:]


def mask(text: str) -> str:
    """Just the masked text (for logs)."""
    return redact(text).text
