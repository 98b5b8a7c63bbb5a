"""Pastes whose rendered answers are pinned by golden files, and the golden-file check itself.

Set UPDATE_GOLDEN=1 to rewrite the files after an intended change; review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"

CASES = {
    "apig-0201-body-too-large": (
        "requests.exceptions.HTTPError: 413 Client Error: Request Entity Too Large for url: "
        "https://4f2a9c1d8e7b4a6c9d0e1f2a3b4c5d6e.apig.ap-southeast-1.huaweicloudapis.com/v1/infers/"
        "2b1c9e0f-77aa-4c1e-9a3d-5f0e6b7c8d90\n"
        'resp.text -> {"error_code":"APIG.0201","error_msg":"Request entity too large",'
        '"request_id":"0a1b2c3d4e5f60718293a4b5c6d7e8f9"}'
    ),
    "modelarts-4503-keep-alive": (
        '{"error_code":"ModelArts.4503","error_msg":"Failed to respond due to backend service not found or failed '
        'to respond"}'
    ),
    "zh-apig-0301-decrypt": (
        "用北京四拿到的 token 去调新加坡的在线服务，返回：\n"
        '{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information：decrypt token fail"}'
    ),
    "family-mr": '500 {"erno": "MR.0113", "msg": "Model load failed", "words_result": {}}',
    "two-errors": (
        'yesterday: 405 {"error_code":"APIG.0501","error_msg":"The app quota has been used up."}\n'
        'today: 405 {"error_code":"APIG.0502","error_msg":"The app has been frozen."}'
    ),
    "client-network": (
        "curl: (6) Could not resolve host: 0a1b2c3d4e5f60718293a4b5c6d7e8f9.apig.cn-east-3.huaweicloudapis.com"
    ),
    "nothing": "lunch at noon? the usual place",
    "maas-81009-openai-sdk": (
        "openai.NotFoundError: Error code: 404 - {'error': {'code': 'ModelArts.81009', 'message': 'Invalid model.', "
        "'type': 'NotFound'}}"
    ),
    "maas-4302-stopped": (
        "POST https://maas-cn-east-4.modelarts-maas.com/v1/infers/1a2b3c4d-0000-4e5f-8a9b-0c1d2e3f4a5b/v1/chat/completions\n"
        'HTTP 500 {"error_code": "ModelArts.4302","error_msg": "Gateway forwarding error because the access is rejected. "}'
    ),
    "maas-sse-81114": (
        "Error: OpenAI Chat stream ended without finish_reason\n--- raw stream ---\n"
        'data:{"text":"[DONE]","error_code":"InferHub.ModelArts.81114.429","error_msg":"Too many requests, the rate '
        'limit is 500000 tokens per minute."}'
    ),
    "variant-undecided": "apig.0201 again today, no idea why",
}


def check_golden(relative: str, content: str) -> None:
    path = GOLDEN / relative
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert content == path.read_text(encoding="utf-8"), f"{relative} differs from its golden file"
