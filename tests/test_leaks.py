"""Secrets never leave, however they were written: not to Slack (buttons included), the store, gaps, stats,
logs or metrics. Each paste hides a credential the way a review found it slipping through."""

from __future__ import annotations

import base64
import logging
from urllib.parse import quote, unquote

from bot.upkeep import gaps_report, stats_report

ERROR = '401 {"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information"}'
IAM = "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggKXBgkqhkiG9w0BBwGgggKIBIIChHsidG9r"
SLACK = "xoxb-4417-9912-Zq8WkLmN2pR5tY7uV1sD"
APPCODE = "f3a9c1e7b5d24a68b0c2e4f6a8b1d3e5"
API_KEY = "sk-Mx7Qp2Rv9Tz4Wb6Yc8Ud1Fe3Gh5Jk7Ln"
PASSWORD = "Tr0ub4dor-and-3"
BODY = base64.b64encode(('{"api_key":"' + API_KEY + '"}').encode()).decode()
FULL_WIDTH = SLACK.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})

PASTES = {
    "full-width Slack token": f"{ERROR}\nslack said {FULL_WIDTH}",
    "control byte inside a token": f"{ERROR}\ntoken {SLACK[:12]}\x00{SLACK[12:]}",
    "zero-width space inside a token": f"{ERROR}\ntoken {SLACK[:12]}\u200b{SLACK[12:]}",
    "two spaces after Bearer": f"{ERROR}\nAuthorization: Bearer  {IAM}",
    "URL-encoded response_url": f"{ERROR}\nresponse_url=" + quote("https://hooks.slack.com/actions/T1/123/Zq8WkLmN2pR5tY7u", safe=""),
    "token split across lines": f'{ERROR}\ncurl -H "X-Auth-Token: {IAM[:70]}\\\n    {IAM[70:]}" https://x.apig.cn-north-4.huaweicloudapis.com/v1/infers/a',
    "JSON-escaped slash in a token": f'{ERROR}\n{{"token":"{IAM[:40]}\\/{IAM[40:]}"}}',
    "URL-encoded AppCode": f"{ERROR}\nX-Apig-AppCode%3A%20{APPCODE}",
    "base64 body in curl -d": f"{ERROR}\ncurl -d '{BODY}' https://x.apig.cn-north-4.huaweicloudapis.com/v1/infers/a",
    "password in URL userinfo": f"{ERROR}\nredis://admin:{PASSWORD}@10.0.0.5:6379/0 refused",
    "a gap that is only a secret": f"<@UBOT> what is {FULL_WIDTH} and Bearer  {IAM}",
}  # fmt: skip
SECRETS = {
    "full-width Slack token": [SLACK, FULL_WIDTH, SLACK[5:]],
    "control byte inside a token": [SLACK[12:], SLACK[5:12] + SLACK[12:]],
    "zero-width space inside a token": [SLACK[12:]],
    "two spaces after Bearer": [IAM[10:]],
    "URL-encoded response_url": ["Zq8WkLmN2pR5tY7u"],
    "token split across lines": [IAM[10:70], IAM[70:]],
    "JSON-escaped slash in a token": [IAM[10:40], IAM[40:]],
    "URL-encoded AppCode": [APPCODE],
    "base64 body in curl -d": [API_KEY, BODY[8:]],
    "password in URL userinfo": [PASSWORD],
    "a gap that is only a secret": [SLACK[5:], IAM[10:]],
}


def views(text: str) -> str:
    """The text, and the text URL-decoded and JSON-unescaped, as someone hunting for a secret would read it."""
    decoded = unquote(text)
    return "\n".join([text, decoded, decoded.replace("\\/", "/"), decoded.replace("\\u0000", "")])


def test_no_secret_leaves_by_any_sink(chat_factory, tmp_path):
    chat = chat_factory(env={"STATE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}, store=None)
    records: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: records.append(handler.format(record))
    handler.setFormatter(logging.Formatter("%(message)s %(exc_text)s"))
    logging.getLogger().addHandler(handler)
    try:
        answered = 0
        for n, paste in enumerate(PASTES.values()):
            answer = chat.say(paste, ts=f"1700000900.{n:06d}")
            if answer is not None:
                answered += 1
            if answer is not None and answer.button("feedback_unhelpful"):
                chat.click(answer, "feedback_unhelpful")  # the paste goes to the gap log too
    finally:
        logging.getLogger().removeHandler(handler)
    store = chat.runtime.store
    sinks = {
        "Slack": "\n".join(c.raw.decode("utf-8", "replace") + c.path for c in chat.api.calls),
        "store": "\n".join(p.read_bytes().decode("utf-8", "replace") for p in tmp_path.glob("bot.sqlite3*")),
        "gaps": gaps_report(store, 86400)[0] + str(store.gaps()),
        "stats": stats_report(store)[0],
        "logs": "\n".join(records),
        "metrics": chat.runtime.metrics.exposition()[0].decode(),
    }
    leaks = [(how, sink, secret) for sink, text in sinks.items() for how, secrets in SECRETS.items()
             for secret in secrets if secret in views(text)]  # fmt: skip
    assert leaks == []
    assert answered == len(PASTES) and len(store.gaps()) >= len(PASTES)  # every paste went through every sink
    assert "masked credentials" in sinks["Slack"]
