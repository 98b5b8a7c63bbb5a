"""The knowledge base: every playbook of a folder, checked together and indexed for matching."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import re2

from bot.description_index import DescriptionIndex
from bot.message_index import MessageIndex
from bot.playbook import (
    SYMPTOM_OPTIONS,
    Playbook,
    PlaybookError,
    PlaybookLoadError,
    Variant,
    filled_in,
    line_of,
    read_playbook,
)
from bot.vocabulary import Layer, family_of

SHIPPED_DIR = (
    Path(__file__).resolve().parent / "playbooks"
    if (Path(__file__).resolve().parent / "playbooks").is_dir()
    else Path(__file__).resolve().parent.parent / "playbooks"
)
"""The playbooks shipped with the bot: ``bot/playbooks`` when installed, the top-level ``playbooks/`` in a checkout."""


@dataclass(frozen=True)
class Entry:
    """What a known message points at."""

    playbook: Playbook
    variant: Variant | None
    fragment: bool = False
    """Found by a clause of a longer message: only trusted where the paste is visibly about ModelArts."""

    @property
    def layer(self) -> Layer:
        """The hop this text comes from: the variant's own, else the playbook's."""
        return self.playbook.hop(self.variant)


class KnowledgeBase:
    """Playbooks by code, families by prefix, and the message index."""

    def __init__(self, playbooks: list[Playbook], root: Path | None = None):
        self.root = root
        self.playbooks: dict[str, Playbook] = {p.code: p for p in playbooks}
        self._by_lower = {code.lower(): p for code, p in self.playbooks.items()}
        entries: list[tuple[str, Entry]] = []
        for p in playbooks:
            variant_messages = {m for v in p.variants for m in v.messages}
            # a message with a name the server fills in is a sign (``Playbook.symptoms``), not a text to match:
            # its example name alone ("qwen3-32b" in a model list) is not that error
            for m in p.messages:
                if m not in variant_messages and not filled_in(m):
                    entries.extend((part, Entry(p, None, part != m)) for part in quotable(m))
            for v in p.variants:
                texts = (m for m in v.messages if not filled_in(m))
                entries.extend((part, Entry(p, v, part != m)) for m in texts for part in quotable(m))
        self.messages: MessageIndex[Entry] = MessageIndex(entries)
        self.descriptions: DescriptionIndex[Entry] = DescriptionIndex(
            [(_described(p, v), Entry(p, v)) for p in playbooks for v in (None, *p.variants)]
        )
        kin: dict[str, set[str]] = {}
        for p in playbooks:
            for other in p.related:
                kin.setdefault(p.code, set()).add(other)
                kin.setdefault(other, set()).add(p.code)
        self._kin = {code: frozenset(others) for code, others in kin.items()}
        self.signs = SignSet(p.symptoms + tuple(s for v in p.variants for s in v.symptoms) for p in playbooks)
        self.with_symptoms = tuple(
            p
            for p in playbooks
            if p.symptoms or p.status_signs or p.latency_s or any(v.symptoms or v.status_signs for v in p.variants)
        )

    def kin(self, code: str) -> frozenset[str]:
        """Playbooks related to ``code`` either way (``related:`` in one of the two)."""
        return self._kin.get(code, frozenset())

    def __len__(self) -> int:
        return len(self.playbooks)

    def get(self, code: str) -> Playbook | None:
        return self._by_lower.get(code.lower())

    def family(self, code: str) -> Playbook | None:
        """The family playbook for a well-formed code with none of its own (``APIG.0606`` -> ``APIG.XXXX``)."""
        family = family_of(code)
        return self.get(family.fallback) if family and family.fallback else None

    def nearest(self, code: str) -> list[Playbook]:
        """The playbooks a mistyped code may stand for (``ModelArts.810006`` -> 81006): one digit edit away."""
        prefix, _, number = code.partition(".")
        close = {p.code: p for n in _one_edit(number) if (p := self.get(f"{prefix}.{n}")) is not None}
        return sorted(close.values(), key=lambda p: p.code)

    @classmethod
    def load(cls, folder: Path | str | None = None) -> KnowledgeBase:
        """Load every ``*.yaml`` below ``folder``; raise ``PlaybookLoadError`` listing all problems."""
        root = Path(folder) if folder else SHIPPED_DIR
        if not root.is_dir():
            raise PlaybookLoadError([PlaybookError(str(root), 1, "no such playbooks folder")])
        playbooks, errors, seen = [], [], {}
        for path in sorted(root.rglob("*.yaml")):
            try:
                playbook = read_playbook(path, root)
            except PlaybookLoadError as exc:
                errors.extend(exc.errors)
                continue
            key = playbook.code.lower()
            if key in seen:
                errors.append(PlaybookError(playbook.path, 1, f"code {playbook.code} is also defined in {seen[key]}"))
                continue
            seen[key] = playbook.path
            playbooks.append(playbook)
        for p in playbooks if not errors else ():  # a broken file would make every link to it look dangling
            for i, code in enumerate(p.related):
                if code.lower() not in seen:
                    line = line_of((root / p.path).read_text(encoding="utf-8"), ["related", i])
                    errors.append(PlaybookError(p.path, line, f"related code {code} has no playbook"))
        if errors:
            raise PlaybookLoadError(errors)
        if not playbooks:
            raise PlaybookLoadError([PlaybookError(str(root), 1, "no playbooks (*.yaml) in this folder")])
        return cls(playbooks, root)


def _one_edit(number: str):
    """Every digit string one deletion, insertion, substitution or swap away from ``number``."""
    digits = "0123456789"
    for i in range(len(number) + 1):
        yield from (number[:i] + d + number[i:] for d in digits)
        if i < len(number):
            yield number[:i] + number[i + 1 :]
            yield from (number[:i] + d + number[i + 1 :] for d in digits if d != number[i])
        if i < len(number) - 1:
            yield number[:i] + number[i + 1] + number[i] + number[i + 2 :]


def _described(p: Playbook, v: Variant | None) -> str:
    """What a playbook (or one of its variants) says about itself: titles, cause and known messages, both languages."""
    parts = [p.title, p.title_zh or ""]
    source = v or p
    parts += [source.title, source.title_zh or "", source.cause, source.cause_zh or "", *source.messages]
    parts += [str(status) for status in source.http_status or p.http_status]
    return "\n".join(parts)


_CLAUSE = re.compile(r"[,.;:!?]\s+|\s+because\s+", re.IGNORECASE)
LONG_MESSAGE = 8
"""Words from which a message is also found by one of its clauses: people quote part of a long message."""


def quotable(message: str) -> list[str]:
    """A message, and for a long one each clause of five words or more (``SSL error in the backend service``)
    and its first clause from three words (``Backend service respond timeout``): what people quote of it."""
    parts = [message]
    if len(message.split()) >= LONG_MESSAGE:
        clauses = [c.strip() for c in _CLAUSE.split(message)]
        parts += [c for i, c in enumerate(clauses) if len(c.split()) >= (3 if i == 0 else 5) and c != message]
    return parts


class SignSet:
    """Every symptom pattern of the knowledge base in one RE2 set: one linear pass over a paste says which
    appear, and only those are searched again for the text they matched."""

    MEMORY = 64 << 20
    """Bytes the set's automaton may use: with less, RE2's cached DFA thrashes and a search costs 100 times more."""

    def __init__(self, groups):
        options = re2.Options()
        options.case_sensitive = SYMPTOM_OPTIONS.case_sensitive
        options.log_errors = False
        options.max_mem = self.MEMORY
        self._set = re2.Set.SearchSet(options)
        self._sources: list[str] = []
        for source in dict.fromkeys(s.source for group in groups for s in group):
            self._set.Add(source)
            self._sources.append(source)
        self._set.Compile()

    def found(self, text: str) -> frozenset[str]:
        """The symptom patterns (by their source) that match somewhere in ``text``."""
        if not self._sources:
            return frozenset()
        return frozenset(self._sources[i] for i in self._set.Match(text) or ())
