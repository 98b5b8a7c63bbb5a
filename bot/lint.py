"""``python -m bot lint``: checks a knowledge base the way CI, editors and hot reload need.

Schema and YAML errors, every example resolving to its own playbook (and variant) with a
margin over the runner-up, no counterexample resolving to its playbook, no duplicate codes, and
Chinese for every title, cause and step, and no step asking for what the paste already holds.
Each problem names file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.playbook import Playbook, PlaybookError, PlaybookLoadError, line_of

MARGIN = 0.05


def lint(folder: Path | str | None = None) -> tuple[list[PlaybookError], int]:
    """Return the problems found and the number of examples checked."""
    try:
        kb = KnowledgeBase.load(folder)
    except PlaybookLoadError as exc:
        return exc.errors, 0
    return check(kb, Matcher(kb))


def check(kb: KnowledgeBase, matcher: Matcher) -> tuple[list[PlaybookError], int]:
    """Every check beyond loading, on a loaded knowledge base (hot reload runs these too): the problems, and how
    many examples and counterexamples were run through ``matcher``."""
    errors, checked = [], 0
    for playbook in kb.playbooks.values():
        text = (kb.root / playbook.path).read_text(encoding="utf-8")
        problems = [*_translations(playbook), *_steps(playbook)]
        for where, problem in [*problems, *_examples(matcher, playbook)]:
            errors.append(PlaybookError(playbook.path, line_of(text, where), problem))
        checked += len(playbook.examples) + len(playbook.counterexamples)
    return errors, checked


def _sources(playbook: Playbook):
    """The playbook and each of its variants, with where each stands in the file."""
    yield [], playbook
    for i, variant in enumerate(playbook.variants):
        yield ["variants", i], variant


def _translations(playbook: Playbook):
    """Every playbook, and every variant, speaks Chinese too: a title, a cause and each step (a Chinese paste
    gets its whole answer in Chinese)."""
    for where, source in _sources(playbook):
        missing = [f for f in ("title_zh", "cause_zh") if not getattr(source, f)]
        if len(source.steps_zh) != len(source.steps):
            missing.append(f"steps_zh ({len(source.steps_zh)} of {len(source.steps)} steps)")
        if missing:
            yield where, f"{f'variant {source.id}' if where else 'playbook'} lacks {', '.join(missing)}"


_ASKS_FOR_THE_PASTE = re.compile(r"(?i)\bpaste\b[^.]{0,80}\bhere\b|贴到这里|贴在这里|粘贴到这里|发到这里")
"""A step asking for the error the reader just pasted to get the answer ("Paste the full response here")."""


def _steps(playbook: Playbook):
    """No step asks for what the paste already holds: the bot has it; the step is noise."""
    for where, source in _sources(playbook):
        for field in ("steps", "steps_zh"):
            for n, step in enumerate(getattr(source, field)):
                if _ASKS_FOR_THE_PASTE.search(step):
                    yield [*where, field, n], "step asks for what the paste already holds"


def _examples(matcher: Matcher, playbook: Playbook):
    """Each example resolves to its playbook (and variant) by a margin; no counterexample resolves to it."""
    for i, example in enumerate(playbook.examples):
        problem = _example_problem(matcher, playbook.code, example)
        if problem:
            yield ["examples", i], problem
    for i, counter in enumerate(playbook.counterexamples):
        d = matcher.diagnose(counter)
        if d.matched and d.best.playbook.code == playbook.code:
            yield ["counterexamples", i], f"counterexample resolves to this playbook ({d.best.why})"


def _example_problem(matcher: Matcher, code: str, example) -> str | None:
    d = matcher.diagnose(example.text)
    best = d.best
    if best is None or not d.matched:
        why = f" (best: {best.playbook.code} at {best.confidence:.2f})" if best else ""
        return f"example does not resolve to any playbook{why}"
    if best.playbook.code != code:
        return f"example resolves to {best.playbook.code} instead ({best.why})"
    if example.variant and (best.variant is None or best.variant.id != example.variant):
        got = best.variant.id if best.variant else "no variant"
        return f"example resolves to {got} instead of variant {example.variant} ({best.why})"
    runner_up = next((c for c in d.others if c.playbook.code != code), None)
    if runner_up and best.confidence - runner_up.confidence < MARGIN:
        other = runner_up.playbook.code
        return f"example is ambiguous: {other} scores {runner_up.confidence:.2f} vs {best.confidence:.2f}"
    return None
