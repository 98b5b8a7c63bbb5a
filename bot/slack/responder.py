"""The effects of a triage in Slack: post, update or delete the answer, record it, probe.

What to say is decided by ``bot.triage``; this module only carries it out. Pastes and edits come as
jobs from the inbox (``work``), one at a time per paste and in order, so each paste gets one answer
and an edit updates it. Slack failures that pass raise ``Retry`` and the inbox tries again later;
when an earlier attempt may have posted (a dropped connection, a crash), the thread is searched for
the answer (its message metadata names the paste) before posting again.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.channels import Channels
from bot.guide import guide
from bot.intake import Retry
from bot.matcher import Matcher
from bot.metrics import Metrics
from bot.probe.desk import Probes
from bot.probe.ladder import Busy
from bot.probe.result import ProbeResult, Target
from bot.render.words import word
from bot.slack.blocks import (
    SlackMessage,
    render_edited_away,
    render_home,
    render_probe,
    render_probing,
    render_secret_warning,
    render_triage,
)
from bot.slack.files import shared_texts
from bot.slack.message_text import file_ids, message_text
from bot.slack.protocol import answer_metadata, answered_paste
from bot.store import DEDUP_TTL_S, Gap, Job, Reply, Store, deleted_key
from bot.triage import Outcome, Triage, triage
from bot.upkeep import stats_report

log = logging.getLogger(__name__)
TRANSPORT_ERRORS = (OSError, http.client.HTTPException)
"""What a Slack call raises when the connection failed: time-outs, resets, a connection closed before the answer."""
PASSING_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})
"""Slack errors that pass: the same call later may succeed."""
FIGURES_S = 60.0
"""How long the Home tab's figures are reused before the store is read again."""
MAX_THREAD_PAGES = 10
"""Pages of a thread (200 messages each) searched for an answer an earlier attempt may have posted."""


class Responder:
    """Answers pastes and keeps the answers current, records votes, runs probes."""

    def __init__(
        self,
        matcher: Callable[[], Matcher],
        store: Store,
        probes: Probes | None,
        metrics: Metrics,
        channels: Channels | None = None,
    ):
        self.matcher = matcher
        self.channels = channels or Channels({})
        self.store = store
        self.probes = probes
        self.metrics = metrics
        self._thinking = threading.Lock()
        self._figures_cache: tuple[float, dict] | None = None

    # -- pastes -----------------------------------------------------------------------------------

    def work(self, client: WebClient, job: Job) -> None:
        """Answer a paste, bring its answer up to date after an edit, or take it down after a deletion; ``Retry``
        when Slack failed for now. Logs one structured line per job (never the paste's text)."""
        started, done = time.monotonic(), {"outcome": "failed"}
        try:
            with self.slack_calls():
                done.update(self._work(client, job))
        finally:
            fields = {"event": "paste", "kind": job.kind, "channel": job.channel, "paste_ts": job.ts,
                      "attempt": job.attempt, "latency_ms": round((time.monotonic() - started) * 1000, 1), **done}  # fmt: skip
            log.info("paste %s: %s", job.kind, done["outcome"], extra={"fields": fields})

    def _work(self, client: WebClient, job: Job) -> dict:
        if job.kind == "delete":
            return self._take_down(client, job)
        if self.store.peek(deleted_key(job.channel, job.ts)):
            return {"outcome": "deleted"}  # the paste is gone: never answered, never revised
        t = self.triage(client, job)
        facts = {"playbook": t.playbook, "variant": t.variant, "confidence": t.confidence, "lang": t.lang}
        self._warn(client, job, t.secrets)
        reply = self.store.reply_for(job.channel, job.ts)
        if reply is None and job.uncertain and (posted := self._posted_before(client, job)):
            reply = self._record(job.channel, job.ts, job.thread_ts, posted, t)
        if reply is not None and job.kind == "paste":
            return {"outcome": "answered_before", **facts}  # a redelivery, or an attempt that posted before it failed
        if t.gap:
            self.store.log_gap(Gap(time.time(), "unmatched", t.gap_text, job.channel))
        reply_ts = self._post(client, job, t) if reply is None else self._update(client, reply, t)
        if reply_ts is None:
            return {"outcome": "silent", **facts}
        self._record(job.channel, job.ts, job.thread_ts, reply_ts, t)
        if reply is not None:
            return {"outcome": "updated", **facts}
        self.metrics.reply_seconds.observe(max(0.0, time.time() - job.received))
        if t.outcome is not Outcome.HELP:  # help is no answer to count
            self.store.count_answer(t.playbook, t.variant)
            self.metrics.answers.labels(playbook=t.playbook or "none").inc()
        if t.outcome is Outcome.AUTO_PROBE:
            self._auto_probe(client, job, reply_ts, t)
        return {"outcome": t.outcome.value, **facts}

    def _take_down(self, client: WebClient, job: Job) -> dict:
        """The paste was deleted (marked so at intake): delete the bot's answer with it (an answer to nothing
        helps nobody)."""
        reply = self.store.reply_for(job.channel, job.ts)
        if reply is None:
            return {"outcome": "deleted"}
        try:
            client.chat_delete(channel=reply.channel, ts=reply.reply_ts)
        except SlackApiError as exc:
            if _describe(exc) != "message_not_found":
                raise
        return {"outcome": "answer_deleted"}

    def triage(self, client: WebClient, job: Job) -> Triage:
        text = "\n".join([job.text, *shared_texts(client, job.files)])
        return self._triage(text, job.addressed, job.user, job.channel, job.secrets)

    def _triage(self, text: str, addressed: bool, user: str | None, channel: str, masked: tuple[str, ...] = ()):
        policy = self.probes.policy if self.probes else None
        rule = self.channels.rule(channel)
        with self._thinking:  # one triage at a time: Python runs one anyway, and acks wait behind fewer threads
            return triage(
                text, self.matcher(), addressed=addressed, policy=policy, user=user, channel=channel, masked=masked,
                unprompted=rule.unprompted, auto_probe=rule.auto_probe,
            )  # fmt: skip

    def _post(self, client: WebClient, job: Job, t: Triage) -> str | None:
        """Post the first answer; None when the paste gets none (silent)."""
        if t.outcome is Outcome.SILENT:
            self.metrics.silences.inc()
            return None
        return self._send(client, job.channel, job.thread_ts, render_triage(t, job.ts), answers=job.ts)

    def _record(self, channel: str, paste_ts: str, thread_ts: str, reply_ts: str, t: Triage) -> Reply:
        """Remember the answer ``reply_ts`` to a paste, with what its buttons may act on."""
        reply = Reply(channel, paste_ts, reply_ts, thread_ts, t.playbook, t.variant, t.gap_text, t.probe, t.lang)
        self.store.save_reply(reply)
        return reply

    def _posted_before(self, client: WebClient, job: Job) -> str | None:
        """The ts of the bot's answer to ``job``'s paste if an earlier attempt posted it (its metadata names the paste)."""
        cursor = None
        for _ in range(MAX_THREAD_PAGES):
            page = client.conversations_replies(
                channel=job.channel, ts=job.thread_ts, include_all_metadata=True, limit=200, cursor=cursor
            )
            for message in page.get("messages") or ():
                if answered_paste(message) == job.ts:
                    return message["ts"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    def _update(self, client: WebClient, reply: Reply, t: Triage) -> str:
        message = render_edited_away(t.lang) if t.outcome is Outcome.SILENT else render_triage(t, reply.paste_ts)
        client.chat_update(channel=reply.channel, ts=reply.reply_ts, text=message.text, blocks=message.blocks)
        return reply.reply_ts

    def _auto_probe(self, client: WebClient, job: Job, reply_ts: str, t: Triage) -> None:
        decision = self.probes.policy.take(job.user, job.channel)
        target = self.probes.policy.resolve(t.service.name).target
        result = ProbeResult(t.service.name, None, refused=decision.refusal) if decision.refusal else None
        self._edit(client, job.channel, reply_ts, render_probe(result or self._probe(target)))

    # -- the shortcut and the Home tab -------------------------------------------------------------

    def diagnose_message(self, client: WebClient, body: dict, respond: Callable) -> None:
        """ "Diagnose this message": answer any message (an old one, another app's) in its thread; where the bot
        cannot post there, answer the person who asked, only to them."""
        message, channel = body.get("message") or {}, (body.get("channel") or {}).get("id")
        if not channel or not message.get("ts"):
            return
        with self.reporting("shortcut"):
            reply = self.store.reply_for(channel, message["ts"])
            if reply is not None:
                respond(text=word("answered_in_thread", reply.lang), response_type="ephemeral")
                return
            text = "\n".join([message_text(message), *shared_texts(client, file_ids(message))])
            t = self._triage(text, addressed=True, user=(body.get("user") or {}).get("id"), channel=channel)
            answer, thread = render_triage(t, message["ts"]), message.get("thread_ts") or message["ts"]
            try:
                posted = self._send(client, channel, thread, answer, message["ts"])
            except SlackApiError:
                respond(text=answer.text, blocks=answer.blocks, response_type="ephemeral", replace_original=False)
                return
            self._record(channel, message["ts"], thread, posted, t)
            self.store.count_answer(t.playbook, t.variant)

    def publish_home(self, client: WebClient, user: str) -> None:
        """Show ``user`` the Home tab: what the bot does, how to use it, what can be probed, recent figures."""
        with self.reporting("home"):
            stats = self._figures()
            top = [(r["playbook"], r["answers"]) for r in stats["by_playbook"] if r["playbook"]]
            guide_ = guide(self.probes.policy if self.probes else None)
            view = render_home(guide_, stats["answers"], stats["votes"], stats["helpful_rate"], top)
            client.views_publish(user_id=user, view=view)

    def _figures(self) -> dict:
        """The workspace's figures for the Home tab, read from the store at most once per ``FIGURES_S``: every
        user opening the tab would otherwise read every vote."""
        now = time.monotonic()
        if self._figures_cache is None or now - self._figures_cache[0] >= FIGURES_S:
            self._figures_cache = (now, stats_report(self.store)[1])
        return self._figures_cache[1]

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

    # -- plumbing ---------------------------------------------------------------------------------

    def _warn(self, client: WebClient, job: Job, kinds: tuple[str, ...]) -> None:
        """Tell the poster alone about credentials in their paste, once per paste (edits included)."""
        if not kinds or not job.user or not self.store.claim(f"warned:{job.channel}:{job.ts}", DEDUP_TTL_S):
            return
        try:
            client.chat_postEphemeral(
                channel=job.channel, user=job.user, thread_ts=job.thread_ts, text=render_secret_warning(kinds)
            )
        except (SlackApiError, *TRANSPORT_ERRORS) as exc:  # a warning is not worth a second answer
            log.error("could not warn %s about a credential in their paste: %s", job.user, _describe(exc))

    def _send(
        self, client: WebClient, channel: str, thread_ts: str | None, message: SlackMessage, answers: str | None = None
    ) -> str:
        """Post ``message``; ``answers``: the paste it answers, kept in the message's metadata."""
        posted = client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=message.text, blocks=message.blocks,
            unfurl_links=False, unfurl_media=False, metadata=answer_metadata(answers) if answers else None,
        )  # fmt: skip
        return posted["ts"]

    def _edit(self, client: WebClient, channel: str, ts: str, message: SlackMessage) -> None:
        client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)

    @contextmanager
    def reporting(self, job: str) -> Iterator[None]:
        """Run one piece of interactive work (a click, a probe): Slack failures are counted and logged, never raised."""
        try:
            yield
        except (SlackApiError, *TRANSPORT_ERRORS) as exc:
            self.metrics.slack_errors.labels(error=_describe(exc)).inc()
            log.error("Slack call failed in %s: %s", job, _describe(exc))

    @contextmanager
    def slack_calls(self) -> Iterator[None]:
        """Answering a paste: a Slack failure that passes becomes ``Retry`` (the inbox tries again later); a
        refusal that will not pass (``channel_not_found``, ``is_archived``...) is logged and the paste let go."""
        try:
            yield
        except SlackApiError as exc:
            self.metrics.slack_errors.labels(error=_describe(exc)).inc()
            status = exc.response.status_code if exc.response is not None else 0
            if status == 429 or status >= 500 or _describe(exc) in PASSING_ERRORS:
                raise Retry(f"Slack answered {_describe(exc)}", uncertain=status >= 500) from exc
            log.error("Slack refused the answer: %s; not trying again", _describe(exc))
        except TRANSPORT_ERRORS as exc:  # the call may have gone through: look before posting again
            self.metrics.slack_errors.labels(error=_describe(exc)).inc()
            raise Retry(f"Slack call failed: {_describe(exc)}", uncertain=True) from exc


def _describe(exc: Exception) -> str:
    if not isinstance(exc, SlackApiError):
        return type(exc).__name__
    data = exc.response.data if exc.response is not None else None
    error = data.get("error") if isinstance(data, dict) else None
    return error or f"http_{exc.response.status_code if exc.response is not None else 'none'}"
