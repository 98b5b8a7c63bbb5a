"""The work after the ack: read a paste, diagnose it, answer in its thread, keep the answer current.

Runs on its own bounded thread pool so that slow Slack calls never delay an ack. Every paste the
bot should answer gets exactly one answer: the answer slot ``(channel, ts)`` is claimed in the
store before posting (a mention that also arrives as a message, a redelivery, another replica),
and given back if posting fails, so that an edit of the paste can still answer it.
"""

from __future__ import annotations

import contextvars
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.matcher import Matcher
from bot.metrics import Metrics
from bot.probe.ladder import Busy, Prober
from bot.probe.policy import ProbePolicy, service_target
from bot.probe.result import ProbeResult, Target
from bot.redact import redact
from bot.render.blocks import (
    render_answer,
    render_edited_away,
    render_feedback_done,
    render_probe,
    render_probing,
    render_recognised_url,
    render_secret_warning,
)
from bot.slack.files import shared_texts
from bot.store import DEDUP_TTL_S, GAP_TEXT_LIMIT, Gap, Reply, Store, Vote

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
    """Answers pastes, revises answers when pastes are edited, records votes, runs probes."""

    def __init__(
        self,
        matcher: Callable[[], Matcher],
        store: Store,
        pool: Executor,
        prober: Prober | None = None,
        policy: ProbePolicy | None = None,
        metrics: Metrics | None = None,
    ):
        self.matcher = matcher
        self.store = store
        self.pool = pool
        self.prober = prober
        self.policy = policy
        self.metrics = metrics or Metrics()
        self._in_flight = 0
        self._idle = threading.Condition()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def submit(self, job: Callable, *args) -> None:
        """Run ``job(*args)`` on the pool, in the caller's log context; failures are logged, never raised."""
        self._enter()
        self.pool.submit(contextvars.copy_context().run, self._guarded, job, *args)

    def listener_executor(self, max_workers: int) -> ThreadPoolExecutor:
        """Bolt's pool for listener bodies, counted with the reply work so ``drain`` waits for both."""
        responder = self

        class Counted(ThreadPoolExecutor):
            def submit(self, fn, /, *args, **kwargs):
                responder._enter()
                context = contextvars.copy_context()  # the request id set by the middleware travels along

                def run():
                    try:
                        return context.run(fn, *args, **kwargs)
                    finally:
                        responder._leave()

                return super().submit(run)

        return Counted(max_workers=max_workers, thread_name_prefix="bolt")

    def _enter(self) -> None:
        with self._idle:
            self._in_flight += 1

    def _leave(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until no work is in flight; False if some is still running after ``timeout`` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def answer(self, client: WebClient, paste: Paste) -> None:
        cleaned = redact("\n".join([paste.text, *shared_texts(client, paste.files)]))
        self._warn(client, paste, cleaned.kinds)
        diagnosis = self.matcher().diagnose(cleaned.text)
        url = None if diagnosis.matched else next((u for u in diagnosis.evidence.urls if u.service_id), None)
        if not diagnosis.matched and not url and _looks_like_an_error(diagnosis, paste.addressed):
            self.store.log_gap(Gap(time.time(), "unmatched", cleaned.text[:GAP_TEXT_LIMIT], paste.channel))
        if not (diagnosis.matched or paste.addressed or url):
            self.metrics.silences.inc()
            return
        slot = f"answer:{paste.channel}:{paste.ts}"
        if not self.store.claim(slot, DEDUP_TTL_S):
            log.info("answer to %s/%s already given", paste.channel, paste.ts)
            return
        probe = self._probe_value(cleaned.text, diagnosis)
        service = self.policy.registry.for_url(url.url, url.service_id) if url and self.policy else None
        auto = service is not None and self.policy.auto_probe
        if auto and self.policy.admit(paste.user, paste.channel).refusal:
            auto = False  # over a limit or not allowed here: offer the button instead
        if auto:
            message = render_probing(service.name)
        elif url:
            message = render_recognised_url(url, service.name if service else None, probe)
        else:
            message = render_answer(diagnosis, secrets=cleaned.kinds, probe=probe, paste_ts=paste.ts)
        try:
            posted = client.chat_postMessage(
                channel=paste.channel,
                thread_ts=paste.thread_ts,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except Exception:
            self.store.release(slot)  # a redelivery (or an edit) may still answer
            raise
        best = diagnosis.best if diagnosis.matched else None
        playbook, variant = (best.playbook.code, best.variant.id if best.variant else None) if best else (None, None)
        self.store.save_reply(
            Reply(
                paste.channel, paste.ts, posted["ts"], paste.thread_ts, playbook, variant, cleaned.text[:GAP_TEXT_LIMIT]
            )
        )
        self.store.count_answer(playbook, variant)
        self.metrics.answers.labels(playbook=playbook or "none").inc()
        self.metrics.reply_seconds.observe(time.monotonic() - paste.received)
        if auto:
            self._probe_into(client, paste.channel, posted["ts"], service_target(service))

    def run_probe(
        self, client: WebClient, channel: str, thread_ts: str | None, target: Target, respond: Callable | None = None
    ) -> None:
        """Post "probing…" (in the thread, or the channel), then edit it into the result.

        Where the bot may not post (a channel it was not invited to, a DM between people), the
        result goes to the asker alone through ``respond`` instead.
        """
        probing = render_probing(target.label)
        try:
            posted = client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=probing.text, blocks=probing.blocks
            )
        except SlackApiError:
            if respond is None:
                raise
            message = render_probe(self._probe(target))
            respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)
            return
        self._probe_into(client, channel, posted["ts"], target)

    def _probe_into(self, client: WebClient, channel: str, ts: str, target: Target) -> None:
        message = render_probe(self._probe(target))
        client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)

    def _probe(self, target: Target) -> ProbeResult:
        """The probe's result; being busy or failing becomes a result too, so "probing…" never stays."""
        try:
            result = self.prober.probe(target)
        except Busy:
            result = ProbeResult(target.label, None, refused="busy: other probes are running; try again in 10 s")
        except Exception as exc:
            log.exception("probe of %s failed", target.label)
            result = ProbeResult(target.label, None, refused=f"the probe itself failed ({type(exc).__name__})")
        self.metrics.probes.labels(verdict=result.verdict or "refused").inc()
        return result

    def _probe_value(self, text: str, diagnosis) -> str | None:
        """The "Run live probe" button's value when the paste names a registered service or an allowed URL."""
        if self.policy is None:
            return None
        registry, urls = self.policy.registry, diagnosis.evidence.urls
        for url in urls:
            service = registry.for_url(url.url, url.service_id)
            if service:
                return f"svc:{service.name}"
        words = set(re.findall(r"[a-z0-9][a-z0-9._-]*", text.lower()))
        named = next((name for name in registry.services if name in words), None)
        if named:
            return f"svc:{named}"
        for url in urls:
            if not url.console and self.policy.resolve(url.url).target and len(url.url) < 1900:
                return f"url:{url.url}"
        return None

    def revise(self, client: WebClient, paste: Paste, previous_text: str) -> None:
        """An edited paste updates the existing answer (or gets its first one)."""
        if paste.text == previous_text:
            return  # Slack also sends message_changed when it adds a link preview
        reply = self.store.reply_for(paste.channel, paste.ts)
        if reply is None:
            self.answer(client, paste)
            return
        cleaned = redact("\n".join([paste.text, *shared_texts(client, paste.files)]))
        self._warn(client, paste, cleaned.kinds)
        diagnosis = self.matcher().diagnose(cleaned.text)
        matched = diagnosis.matched or paste.addressed
        if matched:
            message = render_answer(diagnosis, secrets=cleaned.kinds, probe=self._probe_value(cleaned.text, diagnosis),
                                    paste_ts=paste.ts)  # fmt: skip
        else:
            message = render_edited_away()
        client.chat_update(channel=reply.channel, ts=reply.reply_ts, text=message.text, blocks=message.blocks)
        best = diagnosis.best if diagnosis.matched else None
        self.store.save_reply(
            Reply(
                channel=reply.channel,
                paste_ts=reply.paste_ts,
                reply_ts=reply.reply_ts,
                thread_ts=reply.thread_ts,
                playbook=best.playbook.code if best else None,
                variant=best.variant.id if best and best.variant else None,
                paste_text=cleaned.text[:GAP_TEXT_LIMIT],
            )
        )

    def record_feedback(self, client: WebClient, body: dict, helpful: bool) -> None:
        """Store the vote (one per user per answer), log an unhelpful answer as a gap, thank the voter."""
        user = body["user"]["id"]
        channel = body["channel"]["id"]
        message = body["message"]
        playbook, variant, paste_ts = [*body["actions"][0].get("value", "").split("|"), "", ""][:3]
        new = self.store.record_vote(Vote(channel, message["ts"], user, helpful, playbook or None, variant or None))
        reply = self.store.reply_for(channel, paste_ts) if paste_ts else None
        if not helpful and new and reply is not None:
            self.store.log_gap(
                Gap(time.time(), "unhelpful", reply.paste_text, channel, playbook or None, variant or None)
            )
        client.chat_update(
            channel=channel,
            ts=message["ts"],
            text=message.get("text") or "Thanks for the feedback",
            blocks=render_feedback_done(message.get("blocks") or [], user, helpful),
        )

    def _warn(self, client: WebClient, paste: Paste, kinds: tuple[str, ...]) -> None:
        """Tell the poster alone about credentials in their paste, once per paste (edits included)."""
        if not kinds or not paste.user or not self.store.claim(f"warned:{paste.channel}:{paste.ts}", DEDUP_TTL_S):
            return
        try:
            client.chat_postEphemeral(
                channel=paste.channel, user=paste.user, thread_ts=paste.thread_ts, text=render_secret_warning(kinds)
            )
        except Exception:
            log.exception("could not warn %s about a credential in their paste", paste.user)

    def _guarded(self, job: Callable, *args) -> None:
        try:
            job(*args)
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            self.metrics.slack_errors.labels(error=error or f"http_{exc.response.status_code}").inc()
            log.error("Slack refused a call in %s: %s", getattr(job, "__name__", job), error or exc)
        except Exception:
            log.exception("reply work failed (%s)", getattr(job, "__name__", job))
        finally:
            self._leave()


def _looks_like_an_error(diagnosis, addressed: bool) -> bool:
    """Worth a look by playbook authors: asked for directly, or error-shaped text about ModelArts."""
    ev = diagnosis.evidence
    return addressed or (ev.context and bool(ev.codes or ev.statuses or ev.exceptions or ev.messages))
