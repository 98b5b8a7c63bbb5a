"""Credentials written into the services file instead of named by environment variable: found, never shown.

Secrets come from the environment only: each auth type's ``*_env`` fields name the variables that hold
them. ``inline_secrets`` finds, in one raw (not yet schema-checked) service entry, every place a
secret sits in the file itself, as (keys, message) pairs that name the field but never its value:

- a credential-like field in the entry or its ``auth`` (``token``, ``sk``, ``password``, ``app_secret``...);
- a ``*_env`` value that is a secret rather than a variable name (an AK, a hex AppCode, a key);
- a header that carries a credential (``X-Auth-Token``, ``Authorization``, ``X-Apig-AppCode``, ``Cookie``...);
- a URL (the service's or IAM's) with ``user:password@`` or a credential in its query;
- outside ``body`` (a base64 image looks random), any text ``bot.redact`` recognises as a credential.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

from bot.redact import redact

_SECRET_WORD = re.compile(
    r"token|secret|passw|pwd|appcode|api-?key|apikey|authoriz|cookie|signature|credential|private-?key", re.IGNORECASE
)
_SECRET_NAME = frozenset({"ak", "sk", "key", "sig", "access-key", "secret-key", "access-key-id"})
_ENV_FIELD = re.compile(r"^[a-z]+_env$")
_ENV_HINT = (
    "secrets come from the environment, named in an auth *_env field (e.g. auth: {type: token, token_env: OCR_TOKEN})"
)


def secret_name(name: object) -> bool:
    """Does a field, header or query parameter of this name carry a credential?"""
    text = str(name).strip().lower().replace("_", "-")
    return bool(_SECRET_WORD.search(text)) or text in _SECRET_NAME or text.removeprefix("x-") in _SECRET_NAME


def secret_value(text: str) -> bool:
    """Is ``text`` a credential rather than the name of an environment variable?"""
    if redact(text).kinds:
        return True
    # variables are named in words joined by '_' (OCR_TOKEN); a long run of letters and digits is a credential
    if "_" in text or not any(c.isdigit() for c in text) or not any(c.isalpha() for c in text):
        return False
    mixed_case = any(c.islower() for c in text) and any(c.isupper() for c in text)
    return len(text) >= 20 or (mixed_case and len(text) >= 12)


def inline_secrets(entry: object) -> Iterator[tuple[list, str]]:
    """Where ``entry`` (one service, as read) holds a secret: (keys below the entry, message naming the field)."""
    if not isinstance(entry, dict):
        return
    for field in entry:
        if secret_name(field):
            yield [field], f"field '{field}' is a secret written in this file; {_ENV_HINT}"
    auth = entry.get("auth")
    if isinstance(auth, dict):
        for field, value in auth.items():
            if _ENV_FIELD.match(str(field)):
                if isinstance(value, str) and secret_value(value):
                    yield ["auth", field], f"field 'auth.{field}' holds a secret, not a variable name; {_ENV_HINT}"
            elif secret_name(field):
                yield ["auth", field], f"field 'auth.{field}' is a secret written in this file; {_ENV_HINT}"
        if isinstance(auth.get("iam_url"), str):
            yield from _url(["auth", "iam_url"], auth["iam_url"])
    headers = entry.get("headers")
    if isinstance(headers, dict):
        for name in headers:
            if secret_name(name):
                yield (
                    ["headers", name],
                    f"field 'headers.{name}' carries a credential written in this file; {_ENV_HINT}",
                )
    if isinstance(entry.get("url"), str):
        yield from _url(["url"], entry["url"])
    for keys, text in _strings(entry, []):
        if keys and keys[0] != "body" and redact(text).kinds:
            field = ".".join(map(str, keys))
            yield keys, f"field '{field}' holds what looks like a credential ({redact(text).kinds[0]}); {_ENV_HINT}"


def _url(keys: list, url: str) -> Iterator[tuple[list, str]]:
    field = ".".join(keys)
    try:
        parts = urlsplit(url)
        userinfo = parts.username is not None or parts.password is not None
    except ValueError:
        return  # the schema and the URL checks say what is wrong with it
    if userinfo:
        yield keys, f"field '{field}' carries user:password@; {_ENV_HINT}"
    elif any(secret_name(name) for name, _ in parse_qsl(parts.query, keep_blank_values=True)):
        yield keys, f"field '{field}' carries a credential in its query; {_ENV_HINT}"


def _strings(node: object, keys: list) -> Iterator[tuple[list, str]]:
    """Every key and text value under ``node``, with the keys leading to it."""
    if isinstance(node, str):
        yield keys, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield [*keys, key], str(key)
            yield from _strings(value, [*keys, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, [*keys, index])
