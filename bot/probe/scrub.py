"""Keeps a probe's own credentials out of what it reports, in whatever notation an answer echoes them.

A gateway or model may echo a request back (an error quoting the ``Authorization`` header, a debug
body); the pattern masks in ``bot.redact`` only know credential shapes. The scrubber knows the exact
values this probe sent or holds (tokens, API keys, AppCodes, AK/SK, signatures, passwords, and the
credential-like query parameters of the URL probed, ``url_secrets``) and masks each one as written,
percent-encoded, JSON-escaped, HTML-escaped, in hex and in base64 (at any offset, so a credential
inside ``Basic base64(user:key)`` goes too), case-insensitively; then the pattern masks run as well.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from bot.probe.inline_secrets import secret_name
from bot.redact import MASK, mask

MIN_SECRET = 6
"""Shorter values are no credential worth the name, and masking them would eat ordinary words."""
_MIN_FORM = 8


def notations(secret: str) -> set[str]:
    """The ways ``secret`` may be written back: as is, percent-, JSON-, HTML-encoded, hex and base64 pieces."""
    raw = secret.encode()
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1], html.escape(secret)}
    forms.add(raw.hex())
    for offset in range(3):  # base64 of text holding the secret depends on where it starts, modulo 3 bytes
        first, last = -(-4 * offset // 3), 4 * (offset + len(raw)) // 3
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(encode(bytes(offset) + raw).decode()[first:last])
    return {form for form in forms if len(form) >= min(_MIN_FORM, len(secret))}


def url_secrets(url: str) -> list[str]:
    """The values of a URL's credential-like query parameters (``?X-Auth-Token=...``, ``&appcode=...``)."""
    query = urlsplit(url).query
    return [value for name, value in parse_qsl(query, keep_blank_values=True) if secret_name(name)]


class Scrubber:
    """Masks the given secrets (every notation) and then any credential shape ``bot.redact`` knows."""

    def __init__(self, secrets: Iterable[str | None] = ()):
        forms = {form for secret in secrets if secret and len(secret) >= MIN_SECRET for form in notations(secret)}
        ordered = sorted(forms, key=len, reverse=True)  # the longest form first, so no part of it is left over
        self._pattern = re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE) if ordered else None

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        return mask(text)
