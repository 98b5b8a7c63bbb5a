"""Clicks on an answer's own buttons: votes, and "All N steps".

A click counts only on one of the bot's recorded answers (``clicked_answer``): the button's value names
the paste, and the answer recorded for that paste must be the message clicked. A vote is one per user
per answer (a second replaces the first); the buttons stay for everyone, the answer shows the counts,
and the voter alone reads a thank-you. An unhelpful vote sends the (redacted) paste to the gap log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk import WebClient

from bot.findings import Candidate
from bot.matcher import Matcher
from bot.slack.blocks import render_steps, render_thanks, render_votes
from bot.slack.protocol import paste_of
from bot.store import Gap, Reply, Store, Vote

log = logging.getLogger(__name__)


def clicked_answer(store: Store, body: dict) -> Reply | None:
    """The bot's recorded answer a button click belongs to; None for a click on anything else."""
    action = (body.get("actions") or [{}])[0]
    paste_ts = paste_of(action.get("value"))
    channel = (body.get("channel") or {}).get("id")
    reply = store.reply_for(channel, paste_ts) if paste_ts and channel else None
    clicked = (body.get("message") or {}).get("ts")
    return reply if reply is not None and reply.reply_ts == clicked else None


class Feedback:
    def __init__(self, store: Store, matcher: Callable[[], Matcher]):
        self.store, self.matcher = store, matcher

    def vote(self, client: WebClient, body: dict, helpful: bool, respond: Callable) -> None:
        """Record the vote, show the counts on the answer, thank the voter alone."""
        reply = clicked_answer(self.store, body)
        if reply is None:
            log.warning("ignored a vote on a message that is not one of the bot's answers")
            return
        user, channel = body["user"]["id"], reply.channel
        new = self.store.record_vote(Vote(channel, reply.reply_ts, user, helpful, reply.playbook, reply.variant))
        if not helpful and new:
            self.store.log_gap(Gap(time.time(), "unhelpful", reply.paste_text, channel, reply.playbook, reply.variant))
        votes = self.store.votes_for(channel, reply.reply_ts)
        up = sum(v.helpful for v in votes)
        message = body.get("message") or {}
        blocks = render_votes(message.get("blocks") or [], up, len(votes) - up, reply.lang)
        client.chat_update(channel=channel, ts=reply.reply_ts, text=message.get("text") or "", blocks=blocks)
        respond(text=render_thanks(helpful, reply.lang), response_type="ephemeral", replace_original=False)

    def all_steps(self, body: dict, respond: Callable) -> None:
        """Every step of the answer's fix, to the person who asked for them."""
        reply = clicked_answer(self.store, body)
        playbook = self.matcher().kb.get(reply.playbook) if reply and reply.playbook else None
        if playbook is None:
            log.warning("ignored a steps click on a message that is not one of the bot's answers")
            return
        variant = next((v for v in playbook.variants if v.id == reply.variant), None)
        message = render_steps(Candidate(playbook, variant, None, 1.0, ""), reply.lang)
        respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)
