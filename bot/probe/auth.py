"""Credentials for a probe request, from the environment only (the ``Secrets`` the settings read).

``token``, ``appcode`` and ``api_key`` (a MaaS or inference-2.0 key, sent as ``Bearer``) add a header; ``aksk``
signs the request (SDK-HMAC-SHA256) with the vendor's own signer from huaweicloudsdkcore; ``iam_password`` gets a
project-scoped token from IAM and caches it until shortly before it expires. A value that cannot go in a header
line (a line break, a control or non-ASCII character) is refused naming its variable, never showing it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections import defaultdict
from urllib.parse import parse_qsl, urlsplit

import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from bot.settings import Secrets

REFRESH_BEFORE = dt.timedelta(minutes=10)
_CARRIED = re.compile(r"(?:\bBearer\s+|\bAccess=|\bSignature=)([^\s,]+)", re.IGNORECASE)
"""The credential parts of an ``Authorization`` header (a Bearer key; an AK/SK signature's AK and signature)."""
_HEADER_SAFE = re.compile(r"[\x21-\x7e]{1,65536}")


class AuthError(Exception):
    """A credential could not be had (variable unset, IAM refused); the message names what to fix."""


def auth_headers(
    auth: dict, method: str, url: str, headers: dict[str, str], body: bytes, env: Secrets
) -> dict[str, str]:
    """The headers to add so the request carries the service's credentials (values from ``env``)."""
    kind = auth.get("type", "none")
    if kind == "none":
        return {}
    if kind == "token":
        return {"X-Auth-Token": _secret(env, auth["token_env"])}
    if kind == "api_key":
        return {"Authorization": f"Bearer {_secret(env, auth['key_env'])}"}
    if kind == "appcode":
        return {"X-Apig-AppCode": _secret(env, auth["appcode_env"])}
    if kind == "aksk":
        ak, sk = _secret(env, auth["key_env"]), _secret(env, auth["secret_env"], header=False)
        return sign(method, url, headers, body, ak, sk)
    if kind == "iam_password":
        return {"X-Auth-Token": IAM_TOKENS.token(auth, _secret(env, auth["password_env"], header=False))}
    raise AuthError(f"unknown auth type {kind!r}")


def sign(method: str, url: str, headers: dict[str, str], body: bytes, ak: str, sk: str) -> dict[str, str]:
    """``X-Sdk-Date`` and ``Authorization: SDK-HMAC-SHA256 ...`` for this exact request, by the vendor signer."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    request = SdkRequest(
        method=method.upper(),
        schema=parts.scheme,
        host=host,
        resource_path=parts.path or "/",
        query_params=parse_qsl(parts.query, keep_blank_values=True),
        header_params={**headers, "Host": host},
        body=body or "",
    )
    signed = Signer(BasicCredentials(ak, sk)).sign(request).header_params
    return {k: v for k, v in signed.items() if k in ("X-Sdk-Date", "Authorization", "X-Sdk-Content-Sha256")}


class IamTokens:
    """Project-scoped IAM tokens by (endpoint, domain, user, project), refreshed before they expire."""

    def __init__(self, clock=lambda: dt.datetime.now(dt.UTC)):
        self._clock = clock
        self._locks: dict[tuple, threading.Lock] = defaultdict(threading.Lock)
        self._cache: dict[tuple, tuple[str, dt.datetime]] = {}

    def token(self, auth: dict, password: str) -> str:
        key = (auth["iam_url"], auth["domain"], auth["user"], auth["project"])
        with self._locks[key]:  # one login per identity at a time; other identities are not held up
            cached = self._cache.get(key)
            if cached and cached[1] - REFRESH_BEFORE > self._clock():
                return cached[0]
            token, expires = self._fetch(auth, password)
            self._cache[key] = (token, expires)
            return token

    def _fetch(self, auth: dict, password: str) -> tuple[str, dt.datetime]:
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": auth["user"], "password": password, "domain": {"name": auth["domain"]}}
                    },
                },
                "scope": {"project": {"name": auth["project"]}},
            }
        }
        url = auth["iam_url"].rstrip("/") + "/v3/auth/tokens"
        try:
            answer = requests.post(url, data=json.dumps(body), headers={"Content-Type": "application/json"}, timeout=10)
        except requests.RequestException as exc:
            raise AuthError(f"IAM at {auth['iam_url']} did not answer: {type(exc).__name__}") from None
        token = answer.headers.get("X-Subject-Token")
        if answer.status_code != 201 or not token:
            raise AuthError(f"IAM refused the password login for {auth['user']} (HTTP {answer.status_code})")
        if not _HEADER_SAFE.fullmatch(token):
            raise AuthError(f"IAM at {auth['iam_url']} answered with a token that cannot go in a header")
        try:
            expires = dt.datetime.fromisoformat(answer.json()["token"]["expires_at"].replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError):
            expires = self._clock() + dt.timedelta(hours=1)
        return token, expires


IAM_TOKENS = IamTokens()


def sent_secrets(auth: dict, headers: dict[str, str], env: Secrets) -> list[str]:
    """Every credential a probe holds or sends: the variables ``auth`` names, and what the auth headers carry
    (the IAM token, the Bearer key, the AppCode, the AK and the signature), for ``Scrubber`` to mask."""
    values = [(env.get(name) or "").strip() for field, name in auth.items() if field.endswith("_env")]
    for name, value in headers.items():
        if name.lower() in ("x-auth-token", "x-apig-appcode"):
            values.append(value)
        elif name.lower() == "authorization":
            values.extend(_CARRIED.findall(value))
    return [v for v in values if v]


def _secret(env: Secrets, name: str, header: bool = True) -> str:
    """The value of ``name``, trimmed; a value that could break a header line is refused (and never shown)."""
    value = (env.get(name) or "").strip()
    if not value:
        raise AuthError(f"environment variable {name} is not set (the services file names it for this service)")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise AuthError(f"environment variable {name} holds a control character (a line break?); set it on one line")
    if header and not value.isascii():
        raise AuthError(f"environment variable {name} holds non-ASCII characters, which a header cannot carry")
    return value
