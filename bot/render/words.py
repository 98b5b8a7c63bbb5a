"""The fixed words of every answer, in English and Chinese: each renderer says them in the poster's language.

Playbooks carry their own titles, causes and steps in both languages; these are the words around them.
"""

from __future__ import annotations

from bot.extract import PredictionUrl
from bot.vocabulary import Route

WORDS: dict[str, tuple[str, str]] = {
    "cause": ("Cause", "原因"),
    "fix": ("Fix", "处理步骤"),
    "why": ("Why", "依据"),
    "confidence": ("confidence", "置信度"),
    "also": ("Also in this paste", "同一消息中还有"),
    "which": ("Which one is it? The status and message tell the cases apart:", "是哪一种？看状态码和错误消息区分："),
    "any_status": ("any status", "任意状态码"),
    "path": ("path", "调用链路"),
    "links": ("Links", "参考文档"),
    "more_steps": ("All {n} steps", "查看全部 {n} 步"),
    "helpful": (":+1: Helpful", ":+1: 有帮助"),
    "unhelpful": (":-1: Not helpful", ":-1: 没帮助"),
    "run_probe": (":satellite_antenna: Run live probe", ":satellite_antenna: 立即探测"),
    "votes": ("{up} found this helpful · {down} did not", "{up} 人觉得有帮助 · {down} 人觉得没帮助"),
    "thanks_up": ("Thanks, noted as helpful.", "谢谢，已记为有帮助。"),
    "thanks_down": (
        "Thanks, noted as not helpful: the answer goes to the knowledge-base review.",
        "谢谢，已记为没帮助：这条回答会进入知识库复查。",
    ),
    "unsure": ("I could not find a known ModelArts prediction error in this message.", "这条消息里没有找到已知的 ModelArts 预测错误。"),
    "unsure_text": ("No known ModelArts prediction error found.", "没有找到已知的 ModelArts 预测错误。"),
    "not_sure": ("Not sure this is a ModelArts prediction error. Closest match:", "不确定这是 ModelArts 预测错误，最接近的是："),
    "closest": ("Closest matches:", "最接近的："),
    "ask_better": (
        "Paste the whole response: the HTTP status line and the JSON body (`error_code`, `error_msg`), "
        "the full traceback, or the prediction URL you call.",
        "请贴出完整响应：HTTP 状态行和 JSON 响应体（`error_code`、`error_msg`）、完整的 traceback，或者你调用的预测地址。",
    ),
    "truncated": (":scissors: The paste was long; I read its head and its end.", ":scissors: 消息太长，我只读了开头和结尾。"),
    "masked": (":lock: I masked credentials in your paste ({kinds}).", ":lock: 我已遮盖消息中的凭证（{kinds}）。"),
    "answered_in_thread": ("I answered this message already: see its thread.", "这条消息我已经回答过了，请看它的线程。"),
    "edited_away": (
        "The message was edited and no longer shows a known ModelArts prediction error.",
        "这条消息已被编辑，不再包含已知的 ModelArts 预测错误。",
    ),
}  # fmt: skip


def word(key: str, lang: str, **values) -> str:
    """The words for ``key`` in ``lang`` (``zh`` or anything else for English), with ``values`` filled in."""
    english, chinese = WORDS[key]
    return (chinese if lang == "zh" else english).format(**values)


def url_facts(url: PredictionUrl) -> tuple[str, list[tuple[str, str]]]:
    """What the bot recognised in a bare prediction URL: the headline, and (label, value) facts to show."""
    if url.console:
        kind = "a ModelArts console link to a service"
    elif url.route is Route.MAAS and not url.service_id:
        kind = "a ModelArts Studio (MaaS) endpoint"
    else:
        kind = "a ModelArts prediction URL"
    facts = [("Host", url.host)]
    if url.region:
        facts.append(("Region", url.region))
    if url.service_id:
        facts.append(("Service id", f"{url.service_id} ({url.api_version or 'v1'} inference)"))
    if url.custom_path:
        facts.append(("API path" if url.route is Route.MAAS else "Custom path", url.custom_path))
    return f"That looks like {kind}.", facts
