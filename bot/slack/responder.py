"""The effects of a triage in Slack: claim the answer slot, post or update the answer, record it, probe.

What to say is decided by ``bot.triage``; this module only carries it out. New pastes and edits take
one path (``handle``). Every paste the bot should answer gets exactly one answer: the answer slot
``(channel, ts)`` is claimed in the store before posting (a mention that also arrives as a message,
a redelivery, another replica), and given back if posting fails, so an edit can still answer it.
Clicks act only on the bot's own answers, with what that answer recorded (see ``protocol``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.matcher import Matcher
from bot.metrics import Metrics
from bot.probe.desk import Probes
from bot.probe.ladder import Busy
from bot.probe.result import ProbeResult, Target
from bot.slack.blocks import (
    SlackMessage,
    render_edited_away,
    render_feedback_done,
    render_probe,
    render_probing,
    render_secret_warning,
    render_triage,
)
from bot.slack.files import shared_texts
from bot.slack.protocol import paste_of
from bot.store import DEDUP_TTL_S, Gap, Reply, Store, Vote
from bot.triage import Outcome, Triage, triage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Paste:
    """A message the bot may answer."""

    channel: str
    ts: str
    thread_ts: str
    user: str | None
    text: str
    addressed: bool
    files: tuple[dict, ...] = field(default=())
    received: float = field(default_factory=time.monotonic)

    @classmethod
    def of(cls, event: dict, channel: str | None = None, addressed: bool = False) -> Paste:
        return cls(
            channel=channel or event["channel"],
            ts=event["ts"],
            thread_ts=event.get("thread_ts") or event["ts"],
            user=event.get("user"),
            text=event.get("text") or "",
            addressed=addressed,
            files=tuple(event.get("files") or ()),
        )


class Responder:
    """Answers pastes and keeps the answers current, records votes, runs probes."""

    def __init__(self, matcher: Callable[[], Matcher], store: Store, probes: Probes | None, metrics: Metrics):
        self.matcher = matcher
        self.store = store
        self.probes = probes
        self.metrics = metrics

    # -- pastes -----------------------------------------------------------------------------------

    def handle(self, client: WebClient, paste: Paste, previous_text: str | None = None) -> None:
        """Answer a paste, or (``previous_text`` given) bring its answer up to date after an edit."""
        if previous_text is not None and paste.text == previous_text:
            return  # Slack also sends message_changed when it adds a link preview
        with self.reporting("answer"):
            t = self.triage(client, paste)
            self._warn(client, paste, t.secrets)
            if t.gap:
                self.store.log_gap(Gap(time.time(), "unmatched", t.gap_text, paste.channel))
            reply = self.store.reply_for(paste.channel, paste.ts) if previous_text is not None else None
            reply_ts = self._post(client, paste, t) if reply is None else self._update(client, reply, t)
            if reply_ts is None:
                return
            self.store.save_reply(
                Reply(paste.channel, paste.ts, reply_ts, paste.thread_ts, t.playbook, t.variant, t.gap_text, t.probe)
            )
            if reply is None:
                self.store.count_answer(t.playbook, t.variant)
                self.metrics.answers.labels(playbook=t.playbook or "none").inc()
            self.metrics.reply_seconds.observe(time.monotonic() - paste.received)
            if t.outcome is Outcome.AUTO_PROBE and reply is None:
                self._auto_probe(client, paste, reply_ts, t)

    def triage(self, client: WebClient, paste: Paste) -> Triage:
        text = "\n".join([paste.text, *shared_texts(client, paste.files)])
        policy = self.probes.policy if self.probes else None
        return triage(
            text, self.matcher(), addressed=paste.addressed, policy=policy, user=paste.user, channel=paste.channel
        )

    def _post(self, client: WebClient, paste: Paste, t: Triage) -> str | None:
        """Post the first answer; None when the paste gets none (silent, or answered already)."""
        if t.outcome is Outcome.SILENT:
            self.metrics.silences.inc()
            return None
        slot = f"answer:{paste.channel}:{paste.ts}"
        if not self.store.claim(slot, DEDUP_TTL_S):
            log.info("answer to %s/%s already given", paste.channel, paste.ts)
            return None
        try:
            return self._send(client, paste.channel, paste.thread_ts, render_triage(t, paste.ts))
        except SlackApiError:
            self.store.release(slot)  # a redelivery (or an edit) may still answer
            raise

    def _update(self, client: WebClient, reply: Reply, t: Triage) -> str:
        message = render_edited_away() if t.outcome is Outcome.SILENT else render_triage(t, reply.paste_ts)
        client.chat_update(channel=reply.channel, ts=reply.reply_ts, text=message.text, blocks=message.blocks)
        return reply.reply_ts

    def _auto_probe(self, client: WebClient, paste: Paste, reply_ts: str, t: Triage) -> None:
        decision = self.probes.policy.take(paste.user, paste.channel)
        target = self.probes.policy.resolve(t.service.name).target
        result = ProbeResult(t.service.name, None, refused=decision.refusal) if decision.refusal else None
        self._edit(client, paste.channel, reply_ts, render_probe(result or self._probe(target)))

    # -- probes -----------------------------------------------------------------------------------

    def run_probe(
        self, client: WebClient, channel: str, thread_ts: str | None, target: Target, respond: Callable | None = None
    ) -> None:
        """Post "probing…" (in the thread, or the channel), then edit it into the result.

        Where the bot may not post (a channel it was not invited to, a DM between people), the
        result goes to the asker alone through ``respond`` instead.
        """
        with self.reporting("probe"):
            try:
                posted = self._send(client, channel, thread_ts, render_probing(target.label))
            except SlackApiError:
                if respond is None:
                    raise
                message = render_probe(self._probe(target))
                respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)
                return
            self._edit(client, channel, posted, render_probe(self._probe(target)))

    def _probe(self, target: Target) -> ProbeResult:
        """The probe's result; being busy or failing becomes a result too, so "probing…" never stays."""
        try:
            result = self.probes.prober.probe(target)
        except Busy:
            result = ProbeResult(target.label, None, refused="busy: other probes are running; try again in 10 s")
        except Exception as exc:  # a bug in one probe must still turn "probing…" into an answer
            log.exception("probe of %s failed", target.label)
            result = ProbeResult(target.label, None, refused=f"the probe itself failed ({type(exc).__name__})")
        self.metrics.probes.labels(verdict=result.verdict or "refused").inc()
        return result

    # -- votes ------------------------------------------------------------------------------------

    def record_feedback(self, client: WebClient, body: dict, helpful: bool) -> None:
        """Store the vote (one per user per answer), log an unhelpful answer as a gap, thank the voter."""
        with self.reporting("feedback"):
            channel, message = body["channel"]["id"], body.get("message") or {}
            reply = self.answer_clicked(body)
            if reply is None:
                log.warning("ignored a vote on %s/%s: not one of the bot's answers", channel, message.get("ts"))
                return
            user = body["user"]["id"]
            new = self.store.record_vote(Vote(channel, reply.reply_ts, user, helpful, reply.playbook, reply.variant))
            if not helpful and new:
                self.store.log_gap(
                    Gap(time.time(), "unhelpful", reply.paste_text, channel, reply.playbook, reply.variant)
                )
            blocks = render_feedback_done(message.get("blocks") or [], user, helpful)
            text = message.get("text") or "Thanks for the feedback"
            client.chat_update(channel=channel, ts=reply.reply_ts, text=text, blocks=blocks)

    def answer_clicked(self, body: dict) -> Reply | None:
        """The bot's recorded answer a button click belongs to; None for a click on anything else."""
        action = (body.get("actions") or [{}])[0]
        paste_ts = paste_of(action.get("value"))
        channel = (body.get("channel") or {}).get("id")
        reply = self.store.reply_for(channel, paste_ts) if paste_ts and channel else None
        clicked = (body.get("message") or {}).get("ts")
        return reply if reply is not None and reply.reply_ts == clicked else None

    # -- plumbing ---------------------------------------------------------------------------------

    def _warn(self, client: WebClient, paste: Paste, kinds: tuple[str, ...]) -> None:
        """Tell the poster alone about credentials in their paste, once per paste (edits included)."""
        if not kinds or not paste.user or not self.store.claim(f"warned:{paste.channel}:{paste.ts}", DEDUP_TTL_S):
            return
        try:
            client.chat_postEphemeral(
                channel=paste.channel, user=paste.user, thread_ts=paste.thread_ts, text=render_secret_warning(kinds)
            )
        except SlackApiError as exc:
            log.error("could not warn %s about a credential in their paste: %s", paste.user, _error_of(exc))

    def _send(self, client: WebClient, channel: str, thread_ts: str | None, message: SlackMessage) -> str:
        posted = client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=message.text, blocks=message.blocks,
            unfurl_links=False, unfurl_media=False,
        )  # fmt: skip
        return posted["ts"]

    def _edit(self, client: WebClient, channel: str, ts: str, message: SlackMessage) -> None:
        client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)

    @contextmanager
    def reporting(self, job: str) -> Iterator[None]:
        """Run one job of reply work: Slack refusals are counted and logged, never raised into Bolt."""
        try:
            yield
        except SlackApiError as exc:
            self.metrics.slack_errors.labels(error=_error_of(exc)).inc()
            log.error("Slack refused a call in %s: %s", job, _error_of(exc))


def _error_of(exc: SlackApiError) -> str:
    data = exc.response.data if exc.response is not None else None
    error = data.get("error") if isinstance(data, dict) else None
    return error or f"http_{exc.response.status_code if exc.response is not None else 'none'}"
