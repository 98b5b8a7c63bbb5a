"""The help text, in English or Chinese, as lines any renderer can show (with Slack's mrkdwn or without)."""

from __future__ import annotations

from bot.guide import EXAMPLE, Guide
from bot.slack.protocol import COMMAND


def help_lines(guide: Guide, lang: str, markup: bool = True) -> list[str]:
    """What the bot does, what to paste (with an example), the commands, and what can be probed by whom."""
    b = (lambda s: f"*{s}*") if markup else (lambda s: s)
    zh = lang == "zh"
    lines = [
        f"{b('ModelArts 预测错误分诊')}：把失败的预测贴到频道里，我会在该消息的线程里回答：哪一跳出错、原因和处理步骤。"
        if zh
        else f"{b('ModelArts prediction triage')}: paste a failed prediction and I answer in its thread with the "
        "hop that failed, the cause and the fix.",
        f"{b('贴什么')}：HTTP 状态行和 JSON 错误体（`error_code`、`error_msg`），`curl -v` 输出、traceback 或 SDK 异常、"
        "SSE 流，或者预测地址。长日志可以作为代码片段（snippet）发送。"
        if zh
        else f"{b('What to paste')}: the HTTP status line and the JSON error body (`error_code`, `error_msg`), a "
        "`curl -v` dump, a traceback or SDK exception, an SSE transcript, or the prediction URL. Long logs can go "
        "in a snippet.",
        f"{b('示例' if zh else 'Example')}: `{EXAMPLE}`",
        f"{b('命令')}：@我 或私信我贴错误；`{COMMAND} <服务名|地址>` 实时探测服务；消息菜单 › “Diagnose this message” "
        "诊断任意一条消息；`help` 显示本说明。"
        if zh
        else f"{b('Commands')}: mention me or DM me with the error; `{COMMAND} <service|URL>` probes a service live; "
        "a message's menu › *Diagnose this message* answers any message; `help` shows this.",
        _probes(guide, zh, b),
    ]
    return lines


def _probes(guide: Guide, zh: bool, b) -> str:
    if not guide.probes:
        return f"{b('实时探测')}：此处未启用。" if zh else f"{b('Live probes')}: not set up here."
    if guide.services:
        names = ", ".join(f"`{name}`" for name in guide.services)
        what = f"已登记的服务：{names}" if zh else f"registered services: {names}"
    else:
        what = "未登记服务" if zh else "no services registered"
    also = "；也可以探测华为云 APIG 或 MaaS 地址" if zh else "; Huawei Cloud gateway and MaaS URLs can be probed too"
    who = _who(guide, zh)
    count, window = guide.per_user
    limit = f"每人每 {window} 秒最多 {count} 次" if zh else f"at most {count} per person every {window} s"
    auto = ("，自动探测已开启" if zh else "; automatic probes are on") if guide.auto else ""
    if zh:
        return f"{b('实时探测')}：{what}{also}。{who}，{limit}{auto}。"
    return f"{b('Live probes')}: {what}{also}. {who}, {limit}{auto}."


def _who(guide: Guide, zh: bool) -> str:
    people = ", ".join(f"<@{u}>" for u in guide.users)
    places = ", ".join(f"<#{c}>" for c in guide.channels)
    if zh:
        who = f"可探测的人：{people}" if people else "所有人都可以探测"
        return who + (f"，限于频道 {places}" if places else "")
    who = f"Who may probe: {people}" if people else "Anyone may probe"
    return who + (f", in {places}" if places else "")
