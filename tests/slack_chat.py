"""An in-process Slack for behaviour tests: a chat transcript with the real bot, and no socket to it.

``SlackChat`` builds the bot the way a deployment does (``build_runtime(Settings.from_env(env))``) against
the mock Web API, then plays Slack's part the way bolt-python tests itself: each event, slash command
and click is a signed ``BoltRequest`` handed to ``app.dispatch``. Each step waits until the bot's work
is done (``runtime.idle``) and reads what the bot posted from the mock's recorded calls::

    answer = chat.say('413 {"error_code":"APIG.0201"}')   # the answer in the paste's thread, or None
    thanks = chat.click(answer, "feedback_helpful")       # presses a button the bot really posted
    chat.command("gw-auth").text                          # /predict-check: the ack; its work is done too

What a user would notice is what it returns: a ``Reply`` reads as the message does now (edits applied),
``whispers`` are what only one person sees. Transport concerns (signatures over HTTP, ack latency,
Socket Mode, replicas, shutdown) are tested over real sockets elsewhere.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import dataclass

from slack_bolt import BoltRequest

from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.slack.protocol import COMMAND
from bot.store.memory import MemoryStore
from tests.doubles import slack_requests as slack
from tests.doubles.slack_api import Call, MockSlackAPI

BOT = "UBOT"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Response:
    """What the bot answered Slack at once (the ack), and how long that took."""

    status: int
    body: str
    headers: dict
    elapsed: float

    @property
    def json(self) -> dict:
        return json.loads(self.body) if self.body.startswith("{") else {}

    @property
    def text(self) -> str:
        """What the person who typed the command reads at once ("" for a bare ack)."""
        return self.json.get("text", "") if self.json else self.body


@dataclass
class Reply:
    """A message from the bot as it reads now: ``calls`` are its post, then each edit Slack took.

    ``text`` and ``blocks`` are the latest; ``posted`` is the first call, ``history`` each version's text.
    """

    channel: str
    ts: str
    calls: list[Call]
    to: str | None = None
    """The one person who sees it (an ephemeral message); None when everyone in the channel does."""

    def __post_init__(self):
        self.posted, last = self.calls[0], self.calls[-1]
        self.thread_ts: str | None = self.posted.body.get("thread_ts")
        self.text: str = last.body.get("text") or ""
        self.blocks: list[dict] = last.json("blocks") if last.body.get("blocks") else []
        self.history = [c.body.get("text") or "" for c in self.calls]

    @property
    def shown(self) -> str:
        """Text and blocks (buttons included): everything a reader can see or press."""
        return self.text + "\n" + json.dumps(self.blocks, ensure_ascii=False)

    def button(self, action_id: str) -> dict | None:
        """The button ``action_id`` on this message, with its ``block_id``; None when there is none."""
        for block in (b for b in self.blocks if b.get("type") == "actions"):
            for element in (e for e in block["elements"] if e.get("action_id") == action_id):
                return {**element, "block_id": block.get("block_id")}
        return None


class SlackChat:
    """One workspace (team T1) with the bot in it; channel ``C1`` and user ``U1`` unless told otherwise."""

    def __init__(self, runtime: Runtime, api: MockSlackAPI, wait_s: float = 15.0):
        self.runtime, self.api, self.store, self.wait_s = runtime, api, runtime.store, wait_s
        self._pastes: dict[tuple[str, str], dict] = {}  # (channel, ts) -> that message as it reads now
        self._answers: dict[tuple[str, str], str] = {}  # (channel, ts) -> the ts of the bot's answer to it
        self._askers: dict[str, tuple[str, str]] = {}  # response_url path -> (user, channel)

    @classmethod
    def start(cls, api: MockSlackAPI, env: dict | None = None, services: str | None = None, **runtime_options):
        """The bot configured from the environment (which tests set) and ``env``, with a fresh MemoryStore."""
        tokens = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": slack.SECRET, "SLACK_API_URL": api.url,
                  "INTAKE_RETRY_S": "0.05"}  # fmt: skip
        env = {**os.environ, **tokens, **({"SERVICES_FILE": str(services)} if services else {}), **(env or {})}
        runtime_options.setdefault("store", MemoryStore())
        return cls(build_runtime(Settings.from_env(env), **runtime_options), api)

    def close(self) -> bool:
        """Stop the bot; False when its work did not finish in time."""
        return self.runtime.stop(grace_s=self.wait_s)

    # -- what people do ----------------------------------------------------------------------------

    def say(self, text, channel=None, thread=None, user="U1", ts=None, dm=False, mention=False, **kw) -> Reply | None:
        """``user`` posts ``text``; the bot's answer in that message's thread, or None when it stayed silent.

        ``mention`` puts ``<@UBOT>`` in front; a message mentioning the bot outside a DM also comes as
        ``app_mention``, as Slack sends both. ``kw`` go into the event (``subtype``, ``files``, ``bot_id``...).
        """
        text = f"<@{BOT}> {text}" if mention and f"<@{BOT}>" not in text else text
        kw = {**({"channel_type": "im"} if dm else {}), **({"thread_ts": thread} if thread else {}), **kw}
        event = slack.message_event(text, ts=ts, channel=channel or ("D1" if dm else "C1"), user=user, **kw)
        mentioned = f"<@{BOT}>" in text and event["channel_type"] != "im"
        return self._answer(event, [event, {**event, "type": "app_mention"}] if mentioned else [event])

    def edit(self, ts: str, text: str, channel: str | None = None, dm: bool = False) -> Reply | None:
        """The author edits their message ``ts``; the bot's answer to it as it reads now, or None."""
        event = self.edit_event(ts, text, channel or ("D1" if dm else "C1"), dm)
        return self._answer({**event["message"], "channel": event["channel"]}, [event])

    def edit_event(self, ts: str, text: str, channel: str = "C1", dm: bool = False, user: str = "U1") -> dict:
        """The ``message_changed`` event Slack sends when the author edits their message ``ts`` to ``text``."""
        before = self._pastes.get((channel, ts)) or {"type": "message", "user": user, "text": "", "ts": ts}
        now, kind = f"1800000{next(_ids):03d}.000100", "im" if dm else "channel"
        edited = {**before, "text": text, "edited": {"user": before.get("user"), "ts": now}}
        return {"type": "message", "subtype": "message_changed", "channel": channel, "channel_type": kind,
                "ts": now, "event_ts": now, "message": edited, "previous_message": before}  # fmt: skip

    def click(self, reply: Reply, action_id: str, user: str = "U1") -> Reply | None:
        """``user`` presses the button ``action_id`` on ``reply`` as they see it. The message that click brought:
        a new one in the thread, else ``reply`` as it reads now if the click changed it; None otherwise."""
        button = reply.button(action_id)
        assert button is not None, f"no {action_id!r} button on that message: {reply.shown}"
        message = {"type": "message", "ts": reply.ts, "text": reply.text, "blocks": reply.blocks}
        message.update({"thread_ts": reply.thread_ts} if reply.thread_ts else {})
        action = {k: button.get(k) for k in ("action_id", "block_id", "value")}
        payload = slack.block_actions(user, reply.channel, message, action, self.response_url(user, reply.channel))
        before, was = len(self.api.calls), self._current(reply.channel, reply.ts)
        self._acked(self.act(payload))
        self.settle()
        new = [m for m in self.messages(reply.channel, since=before) if m.thread_ts == reply.thread_ts]
        now = self._current(reply.channel, reply.ts)
        return new[0] if new else now if now and len(now.calls) > len(was.calls if was else ()) else None

    def command(self, text: str, user: str = "U1", channel: str = "C1", name: str = COMMAND, **kw) -> Response:
        """``user`` types ``/predict-check text`` in ``channel``: the ack they get at once. The work it started
        is done when this returns (see ``messages`` and ``whispers``)."""
        url = self.response_url(user, channel)
        response = self.send(slack.command_body(name, text, url, user=user, channel=channel, **kw), slack.FORM)
        self.settle()
        return response

    # -- Slack's side ------------------------------------------------------------------------------

    def send(self, body: str, content_type: str, headers: dict | None = None) -> Response:
        """Hand one request, signed (``headers`` override), to the app as the HTTP adapter would; no waiting."""
        started = time.perf_counter()
        headers = {**slack.signed_headers(body, content_type), **(headers or {})}
        answer = self.runtime.app.dispatch(BoltRequest(body=body, headers=headers))
        return Response(answer.status, answer.body, answer.headers, time.perf_counter() - started)

    def deliver(self, event: dict, event_id: str | None = None, retry: int | None = None) -> Response:
        """Deliver one event (again, with ``retry``, as Slack redelivers); no waiting for the work."""
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.send(slack.event_body(event, event_id), "application/json", headers)

    def act(self, payload: dict) -> Response:
        """Deliver one interaction payload as it is (forged ones too); no waiting for the work."""
        return self.send(slack.action_body(payload), slack.FORM)

    def response_url(self, user: str, channel: str) -> str:
        """A fresh ``response_url`` on the mock; what the bot posts there is for ``user`` in ``channel``."""
        url = self.api.response_url(f"r{next(_ids)}")
        self._askers[url.split("/", 3)[3]] = (user, channel)
        return url

    def settle(self) -> None:
        """Wait until the bot has finished all the work started so far."""
        assert self.runtime.idle(self.wait_s), f"the bot's work did not finish within {self.wait_s} s"

    # -- what people see ---------------------------------------------------------------------------

    def messages(self, channel: str | None = None, since: int = 0) -> list[Reply]:
        """The bot's messages (in ``channel``; posted from the ``since``-th API call on), oldest first, as they
        read now: a post Slack refused is not there, an edit it took is applied."""
        calls, found = self.api.calls, []
        for post in calls[since:]:
            if post.method == "chat.postMessage" and (post.answer or {}).get("ok"):
                where = (post.body["channel"], post.answer["ts"])
                edits = [c for c in calls if c.method == "chat.update" and (c.answer or {}).get("ok")
                         and (c.body.get("channel"), c.body.get("ts")) == where]  # fmt: skip
                found.append(Reply(*where, [post, *edits]))
        return [m for m in found if channel in (None, m.channel)]

    def whispers(self, user: str | None = None) -> list[Reply]:
        """What only one person sees (``user``, if given): ``chat.postEphemeral`` and ephemeral ``respond()``."""
        found = []
        for call in self.api.calls:
            if call.method == "chat.postEphemeral":
                found.append(Reply(call.body.get("channel"), "", [call], call.body.get("user")))
            elif call.method in self._askers and call.body.get("response_type") == "ephemeral":
                asker, channel = self._askers[call.method]
                found.append(Reply(channel, "", [call], asker))
        return [w for w in found if user in (None, w.to)]

    def _answer(self, paste: dict, events: list[dict]) -> Reply | None:
        before = len(self.api.calls)
        for event in events:
            self._acked(self.deliver(event))
        self.settle()
        key, thread = (paste["channel"], paste["ts"]), paste.get("thread_ts") or paste["ts"]
        self._pastes[key] = {k: paste[k] for k in ("type", "user", "text", "ts", "thread_ts") if k in paste}
        posted = [m.ts for m in self.messages(paste["channel"], since=before) if m.thread_ts == thread]
        if posted:
            self._answers.setdefault(key, posted[0])
        return self._current(paste["channel"], self._answers.get(key))

    def _current(self, channel: str, ts: str | None) -> Reply | None:
        return next((m for m in self.messages(channel) if m.ts == ts), None)

    @staticmethod
    def _acked(response: Response) -> None:
        assert response.status == 200, f"not acked ({response.status} {response.body}): Slack would retry it"
