"""Masks credentials before text is shown, logged or stored, and says which kinds it found.

Huawei Cloud shapes (IAM tokens in X-Auth-Token, AK/SK pairs, AppCodes, SDK-HMAC-SHA256
signatures, app secrets, MaaS and inference-2.0 API keys) and chat-ops ones (Slack bot, app, user and session tokens,
response_url and webhook URLs, bearer tokens, passwords in JSON, query strings, forms and URLs).
Values are also found percent-encoded, JSON-escaped (``\\/``), wrapped onto the next line by a shell or a
terminal, and base64-encoded in a curl body.

The paste is first cut to its head and tail (``bot.textnorm.bound``), then masked as it came, then
normalised (``bot.textnorm.normalize``: full-width letters folded, zero-width and control characters
dropped, Slack markup undone), which can put a disguised secret back together, and masked again, until
normalising changes nothing more. The text returned is that normalised, masked text.
Every pattern is linear, so redacting even a 5 MB paste is cheap.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from bot.textnorm import bound, normalize

MASK = "[masked]"
_PASSES = 3
"""Rounds of normalise-then-mask at most; normalising is idempotent on almost every text, so one or two."""

_Q = r"(?:[\"']|%2[27])"
_SEP = rf"{_Q}?(?:\s|%20){{0,3}}(?:[:=]|%3[AD])(?:\s|%20){{0,3}}{_Q}?"
"""Between a field name and its value: ``:`` or ``=``, spaces and quotes, any of them percent-encoded (``(?i)``)."""
_ENCODED = r"%(?:2[BbFf]|3[Dd])|\\/"
"""``+``, ``/`` and ``=`` percent-encoded, and ``/`` JSON-escaped: they occur inside base64 values."""
_B64 = rf"(?:[A-Za-z0-9+/=]|{_ENCODED})"
"""One character of a base64 value (an SK, an AppCode)."""
_TOKEN = rf"(?:[A-Za-z0-9+/=_.%-]|{_ENCODED})"
"""One character of an IAM token (PKI tokens are base64, Fernet ones base64url)."""
_RUN = r"(?=[0-9+/_.%-]*[A-Za-z])[A-Za-z0-9+/_.%-]+={0,2}"
"""A wrapped value's continuation: credential characters, at least one letter, base64 padding at the end."""
_WRAP = rf"(?:\\\r?\n[ \t]*{_RUN}|\r?\n{_RUN}(?=[\"'`\r\n]|\Z))"
"""The rest of a value on the next line: after a backslash-newline (shell continuation; the next line
may be indented), or, from the line's start, a line of nothing else up to a closing quote (a terminal wrap)."""


def _value(chars: str, least: int) -> str:
    """``least`` or more ``chars``; a value of 60 or more running to the end of its line also takes its wrapped rest."""
    return rf"(?:{chars}{{60,}}{_WRAP}+|{chars}{{{least},}})"


def _after(keys: str, value: str) -> re.Pattern:
    """A secret ``value`` following one of the ``keys`` (header or field name) and a separator."""
    return re.compile(rf"(?i)(?:{keys}){_SEP}(?P<s>{value})")


_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("Slack token", re.compile(r"\b(?P<s>x(?:ox[abposrec]|app)-[A-Za-z0-9-]{10,})")),
    # A session cookie (xoxd-) is usually URL-encoded: %2F, %3D.
    ("Slack token", re.compile(r"\b(?P<s>xoxd-[A-Za-z0-9%+/=_-]{10,})")),
    # Also without its scheme, and with its slashes percent-encoded (a form body) or JSON-escaped.
    (
        "Slack webhook or response_url",
        re.compile(
            r"(?i)(?P<s>(?:https?(?::|%3A)(?:/|%2F|\\/|%5C%2F){2})?"
            r"hooks\.slack\.com(?:/|%2F|\\/|%5C%2F)(?:[a-z0-9_.-]|/|%2F|\\/|%5C%2F)+)"
        ),
    ),
    ("AK/SK signature", re.compile(r"(?i)\bSignature=(?P<s>[0-9a-f]{16,})")),
    ("access key (AK)", re.compile(r"(?i)\bAccess=(?P<s>[A-Za-z0-9]{8,})")),
    ("IAM token", _after(r"x-auth-token|x-subject-token|x-security-token", _value(_TOKEN, 12))),
    ("IAM token", re.compile(rf"\b(?P<s>MII{_value(rf'(?:[A-Za-z0-9+/=_-]|{_ENCODED})', 60)})")),
    ("AppCode", _after(r"appcode", _value(_B64, 12))),
    # MaaS and inference-2.0 API keys travel as Bearer too; any spacing after the word (but a line break).
    ("bearer token", re.compile(rf"(?i)\bbearer(?:[^\S\r\n]|%20)+(?P<s>{_value(r'[A-Za-z0-9._~+/=-]', 12)})")),
    ("API key", _after(r"\bapikey|\bapi[_-]key", _value(r"[A-Za-z0-9_-]", 12))),
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
        _after(r"\bsk|\bsecret(?:_?access)?_?key|\bapp_?secret|\bsecret|_sdk_sk", _value(_B64, 16)),
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
    (
        "password",
        re.compile(r"(?i)(?<![A-Za-z0-9])(?:password|passwd|pwd(?!=[/~]))(?:=|%3D)(?P<s>[^\s&#\"'<>]{1,200})"),
    ),
    # A URL's userinfo, scheme://user:password@host: up to its last @ (a password may hold a raw one).
    ("password", re.compile(r"(?i)\b[a-z][a-z0-9+.-]{0,20}://[^\s:/@]{0,100}:(?P<s>[^\s/?#]{1,200})@")),
)

_CURL_DATA = re.compile(
    r"(?<![\w-])(?:-d|--data(?:-binary|-raw|-ascii)?)(?:[ \t]+|=)?[\"']?(?P<s>[A-Za-z0-9+/_-]{8,}={0,2})"
)
"""A curl request body that may be base64: masked whole when what it decodes to holds a credential."""
_GLUED = re.compile(rf"{re.escape(MASK)}[A-Za-z0-9+/_-]+")
"""The rest of a secret that a zero-width or control character had cut off from its masked part."""


@dataclass(frozen=True)
class Redaction:
    """Text with credentials masked, and the kinds of credential found (empty when none)."""

    text: str
    """The paste (a long one cut to its head and tail) normalised by ``bot.textnorm.normalize``, credentials masked."""
    kinds: tuple[str, ...]
    truncated: bool = False
    """The paste was cut to its head and tail (``bot.textnorm.bound``)."""


def redact(text: str) -> Redaction:
    """``text`` cut to its head and tail, masked, normalised and masked again (see the module's docstring)."""
    text, truncated = bound(text)
    kinds: list[str] = []
    text = _mask(text, kinds)
    for _ in range(_PASSES):
        normal, _cut = normalize(text)
        if normal == text:
            break
        text = _mask(normal, kinds)
    return Redaction(text, tuple(kinds), truncated)


def _mask(text: str, kinds: list[str]) -> str:
    """``text`` with every rule's secrets masked; each kind found is added to ``kinds`` once."""
    text = _CURL_DATA.sub(lambda m: _mask_encoded_body(m, kinds), text)
    for kind, pattern in _RULES:
        text, count = pattern.subn(_keep_all_but_secret, text)
        if count:
            _add(kinds, (kind,))
    return _GLUED.sub(MASK, text)


def _mask_encoded_body(m: re.Match, kinds: list[str]) -> str:
    """The curl body masked whole if it is base64 of a text holding a credential (its kinds are added)."""
    decoded = _base64(m.group("s"))
    inside = redact(decoded).kinds if decoded else ()
    _add(kinds, inside)
    return _keep_all_but_secret(m) if inside else m.group(0)


def _base64(blob: str) -> str | None:
    """What standard or URL-safe base64 ``blob`` decodes to, as text; None if it is not base64."""
    try:
        data = base64.b64decode(blob.translate({ord("-"): "+", ord("_"): "/"}) + "=" * (-len(blob) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return data.decode("utf-8", errors="replace")


def _add(kinds: list[str], found: tuple[str, ...]) -> None:
    kinds.extend(kind for kind in found if kind not in kinds)


def _keep_all_but_secret(m: re.Match) -> str:
    whole, start, end = m.group(0), m.start("s") - m.start(), m.end("s") - m.start()
    return whole[:start] + MASK + whole[end:]


def mask(text: str) -> str:
    """Just the masked text (for logs)."""
    return redact(text).text
