"""Knowledge upkeep from the state store: ``gaps`` (what the bot could not answer well) and ``stats``.

Gaps are grouped by similarity after masking what varies between pastes (numbers, ids, hosts),
so that one recurring failure shows up as one group with its count; the biggest groups come with
a draft playbook skeleton to start from.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import yaml
from rapidfuzz import fuzz

from bot.extract import extract
from bot.store import Gap, Store

SIMILAR = 80
DRAFTS = 3
_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_VARYING = (
    (re.compile(r"https?://\S+"), "<url>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{16,}\b", re.I), "<hex>"),
    (re.compile(r"\d+"), "<n>"),
)


def parse_duration(text: str) -> int:
    """``7d`` -> seconds; ``ValueError`` with the accepted forms otherwise."""
    m = _DURATION.match(text.strip().lower())
    if not m:
        raise ValueError(f"{text!r} is not a duration like 30m, 24h, 7d or 2w")
    return int(m.group(1)) * _UNITS[m.group(2)]


def template(text: str) -> str:
    """The paste with its varying parts masked, for grouping."""
    text = " ".join(text.split())[:1000]
    for pattern, mask in _VARYING:
        text = pattern.sub(mask, text)
    return text


@dataclass
class Group:
    template: str
    gaps: list[Gap] = field(default_factory=list)

    @property
    def kinds(self) -> Counter:
        return Counter(g.kind for g in self.gaps)

    def draft(self, n: int) -> dict:
        """A playbook skeleton from what the group's pastes have in common."""
        codes, messages, statuses = Counter(), Counter(), Counter()
        for gap in self.gaps:
            ev = extract(gap.text)
            codes.update(h.code for h in ev.codes)
            messages.update(ev.messages)
            statuses.update(ev.statuses)
        code = codes.most_common(1)[0][0] if codes else f"new-symptom-{n}"
        prefix = code.split(".", 1)[0]
        layer = {"APIG": "apig", "ModelArts": "dispatcher", "MR": "model"}.get(prefix, "client")
        return {
            "code": code,
            "title": "TODO: what went wrong, in a few words",
            "layer": layer,
            "http_status": [s for s, _ in statuses.most_common(3)],
            "messages": [m for m, _ in messages.most_common(3)],
            "cause": "TODO: why this happens, in your own words.",
            "steps": ["TODO: the first thing to check.", "TODO: the fix."],
            "examples": [g.text[:500] for g in self.gaps[:3]],
            "counterexamples": [],
        }


def group_gaps(gaps: list[Gap]) -> list[Group]:
    """Greedy grouping by similarity of masked text; biggest groups first."""
    groups: list[Group] = []
    for gap in gaps:
        masked = template(gap.text)
        home = next((g for g in groups if fuzz.token_set_ratio(masked, g.template) >= SIMILAR), None)
        if home is None:
            home = Group(masked)
            groups.append(home)
        home.gaps.append(gap)
    return sorted(groups, key=lambda g: len(g.gaps), reverse=True)


def gaps_report(store: Store, since_s: int, now: float | None = None) -> tuple[str, list[Group]]:
    now = time.time() if now is None else now
    groups = group_gaps(store.gaps(now - since_s))
    if not groups:
        return "No gaps: every paste in that period was answered, and no answer was voted unhelpful.\n", groups
    total = sum(len(g.gaps) for g in groups)
    out = [f"{total} gap(s) in {len(groups)} group(s):"]
    for n, group in enumerate(groups, 1):
        kinds = ", ".join(f"{count} {kind}" for kind, count in group.kinds.most_common())
        playbooks = sorted({g.playbook for g in group.gaps if g.playbook})
        voted = f"; answered with {', '.join(playbooks)}" if playbooks else ""
        out.append(f"\n#{n}  {len(group.gaps)} paste(s) ({kinds}{voted})")
        out.append("    " + group.gaps[0].text[:300].replace("\n", "\n    "))
    for n, group in enumerate(groups[:DRAFTS], 1):
        out.append(f"\n# draft playbook for group #{n} (save as playbooks/<layer>/<code>.yaml, then edit)")
        out.append(yaml.safe_dump(group.draft(n), sort_keys=False, allow_unicode=True).rstrip())
    return "\n".join(out) + "\n", groups


def stats_report(store: Store) -> tuple[str, dict]:
    answers = store.answer_counts()
    votes: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for vote in store.votes():
        votes[(vote.playbook, vote.variant)][0 if vote.helpful else 1] += 1
    keys = sorted(set(answers) | set(votes), key=lambda k: (-answers.get(k, 0), str(k)))
    rows = []
    for key in keys:
        helpful, unhelpful = votes.get(key, [0, 0])
        rate = helpful / (helpful + unhelpful) if helpful + unhelpful else None
        rows.append({"playbook": key[0], "variant": key[1], "answers": answers.get(key, 0), "helpful": helpful,
                     "not_helpful": unhelpful, "helpful_rate": rate})  # fmt: skip
    total_helpful = sum(r["helpful"] for r in rows)
    total_votes = total_helpful + sum(r["not_helpful"] for r in rows)
    summary = {
        "answers": sum(r["answers"] for r in rows),
        "votes": total_votes,
        "helpful_rate": total_helpful / total_votes if total_votes else None,
        "by_playbook": rows,
    }
    out = [
        f"answers: {summary['answers']}   votes: {total_votes}   helpful rate: {_pct(summary['helpful_rate'])}",
        f"{'playbook':<22} {'variant':<22} {'answers':>7} {'helpful':>7} {'not':>5} {'rate':>6}",
    ]
    for r in rows:
        out.append(
            f"{r['playbook'] or '(no match, asked)':<22} {r['variant'] or '-':<22} {r['answers']:>7} {r['helpful']:>7}"
            f" {r['not_helpful']:>5} {_pct(r['helpful_rate']):>6}"
        )
    return "\n".join(out) + "\n", summary


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"
