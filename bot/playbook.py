"""Playbooks: one YAML file each, validated against ``playbooks/schema.json``, loaded into
typed, immutable objects.

A broken file never half-loads: every problem becomes a ``PlaybookError`` that names the file
and the line, so the person editing it can go straight there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import fastjsonschema
import re2
import yaml

from bot.vocabulary import Layer, Route

try:  # the C loader is several times faster; fall back where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader

SCHEMA_PATH = (
    Path(__file__).resolve().parent / "playbooks" / "schema.json"  # installed: bot/playbooks
    if (Path(__file__).resolve().parent / "playbooks").is_dir()
    else Path(__file__).resolve().parent.parent / "playbooks" / "schema.json"  # a checkout: the top-level playbooks/
)


@dataclass(frozen=True)
class PlaybookError:
    """A problem in a playbook file, located to the line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class PlaybookLoadError(Exception):
    """Raised when a knowledge base has errors; carries all of them."""

    def __init__(self, errors: list[PlaybookError]):
        self.errors = errors
        super().__init__("\n".join(map(str, errors)))


@dataclass(frozen=True)
class Symptom:
    """A regular expression that points at a playbook without a code, run by RE2 (linear time, whatever the
    pattern: a playbook author cannot make the bot backtrack for minutes)."""

    source: str
    pattern: re2._Regexp


SYMPTOM_OPTIONS = re2.Options()
SYMPTOM_OPTIONS.case_sensitive = False
SYMPTOM_OPTIONS.max_mem = 8 << 20
SYMPTOM_OPTIONS.log_errors = False
"""Case-insensitive, and a bounded automaton per pattern."""


@dataclass(frozen=True)
class Variant:
    """One cause of a code, told apart by status, message, symptoms and the route the paste came by."""

    id: str
    title: str
    cause: str
    steps: tuple[str, ...]
    http_status: tuple[int, ...] = ()
    messages: tuple[str, ...] = ()
    symptoms: tuple[Symptom, ...] = ()
    status_signs: tuple[int, ...] = ()
    title_zh: str | None = None
    cause_zh: str | None = None
    steps_zh: tuple[str, ...] = ()
    layer: Layer | None = None
    """The hop, where it differs from the playbook's."""
    route: Route | None = None
    """The call path this cause belongs to (None: either)."""


@dataclass(frozen=True)
class Example:
    """A paste that must resolve to its playbook (and variant, when named)."""

    text: str
    variant: str | None = None


@dataclass(frozen=True)
class Playbook:
    """What the bot knows about one error code or code-less symptom."""

    code: str
    title: str
    layer: Layer
    cause: str
    steps: tuple[str, ...]
    path: str
    http_status: tuple[int, ...] = ()
    messages: tuple[str, ...] = ()
    symptoms: tuple[Symptom, ...] = ()
    status_signs: tuple[int, ...] = ()
    """HTTP statuses that point here without a code (read as statuses, never as any number)."""
    latency_s: tuple[float, float] | None = None
    """A failed call that lasted this long (at least, at most seconds) points here without a code."""
    needs_context: bool = False
    links: tuple[tuple[str, str], ...] = ()
    related: tuple[str, ...] = ()
    variants: tuple[Variant, ...] = ()
    examples: tuple[Example, ...] = ()
    counterexamples: tuple[str, ...] = ()
    title_zh: str | None = None
    cause_zh: str | None = None
    steps_zh: tuple[str, ...] = ()

    def hop(self, variant: Variant | None) -> Layer:
        """The hop that fails in this playbook, or in one of its variants: the variant's own layer, else this one's."""
        return (variant.layer if variant else None) or self.layer


_validator = None


def _validate(doc) -> None:
    global _validator
    if _validator is None:
        _validator = fastjsonschema.compile(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    _validator(doc)


def read_playbook(path: Path, root: Path | None = None) -> Playbook:
    """Load and validate one file; raise ``PlaybookLoadError`` naming file and line."""
    shown = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
    text, doc = _load_document(path, shown)
    errors: list[PlaybookError] = []
    if path.name != f"{doc['code']}.yaml":
        errors.append(PlaybookError(shown, line_of(text, ["code"]), f"file must be named {doc['code']}.yaml"))
    where = _Where(shown, text, errors)
    variants = _variants(doc, where)
    playbook = Playbook(
        code=doc["code"],
        title=doc["title"],
        layer=Layer(doc["layer"]),
        cause=doc["cause"].strip(),
        steps=tuple(doc["steps"]),
        path=shown,
        http_status=tuple(doc.get("http_status") or ()),
        messages=tuple(m.strip() for m in doc.get("messages") or ()),
        symptoms=where.symptoms(doc.get("symptoms"), ["symptoms"], doc.get("messages")),
        status_signs=tuple(doc.get("status_signs") or ()),
        latency_s=tuple(doc["latency_s"]) if doc.get("latency_s") else None,
        needs_context=bool(doc.get("needs_context", False)),
        links=tuple((link["title"], link["url"]) for link in doc.get("links") or ()),
        related=tuple(doc.get("related") or ()),
        variants=variants,
        examples=_examples(doc, variants, where),
        counterexamples=tuple(doc.get("counterexamples") or ()),
        title_zh=doc.get("title_zh"),
        cause_zh=(doc.get("cause_zh") or "").strip() or None,
        steps_zh=tuple(doc.get("steps_zh") or ()),
    )
    if errors:
        raise PlaybookLoadError(errors)
    return playbook


def _load_document(path: Path, shown: str) -> tuple[str, dict]:
    """The file's text and its schema-valid YAML document."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookLoadError([PlaybookError(shown, 1, f"cannot read: {exc}")]) from None
    try:
        doc = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlaybookLoadError([PlaybookError(shown, line, f"invalid YAML: {problem}")]) from None
    try:
        _validate(doc)
    except fastjsonschema.JsonSchemaValueException as exc:
        where = [p for p in exc.path[1:]]
        message = exc.message.replace("data.", "", 1).replace("data ", "playbook ", 1)
        raise PlaybookLoadError([PlaybookError(shown, line_of(text, where), message)]) from None
    return text, doc


@dataclass
class _Where:
    """Collects the problems of one file, each located to its line."""

    shown: str
    text: str
    errors: list[PlaybookError]

    def problem(self, where: list, message: str) -> None:
        self.errors.append(PlaybookError(self.shown, line_of(self.text, where), message))

    def symptoms(self, items, where: list, messages=()) -> tuple[Symptom, ...]:
        """The symptom patterns at ``where``, and a sign for each of ``messages`` that names a placeholder."""
        out = [_named_by_placeholder(m) for m in messages or () if filled_in(m)]
        for i, src in enumerate(items or ()):
            try:
                out.append(Symptom(src, re2.compile(src, SYMPTOM_OPTIONS)))
            except re2.error as exc:
                reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
                self.problem([*where, i], f"bad symptom regex: {reason} (RE2 syntax: no lookaround, no backreferences)")
        return tuple(out)


_PLACEHOLDER = re2.compile(r"\bXXX\b|\{\w*\}|%s|<\w+>|`[^`\s]{1,80}`")
"""Where a documented message has a name the server fills in: ``No Module named XXX``, ``{xxx}``, ``%s``, or an
example name in backticks (``The model `qwen3-32b` does not exist.``)."""
_A_NAME = r"[\"'`]?[\w./:-]{1,80}[\"'`]?"
"""What a placeholder stands for: one name, quoted or not."""


def filled_in(message: str) -> bool:
    """Does ``message`` have a name the server fills in (a placeholder or an example name)?"""
    return _PLACEHOLDER.search(message) is not None


def _named_by_placeholder(message: str) -> Symptom:
    """A message with a placeholder as a sign: its words, with any one name where the placeholder is."""
    pieces: list[str] = []
    for i, part in enumerate(_PLACEHOLDER.split(message.rstrip(".。"))):  # a copied message loses its full stop
        if i:
            pieces.append(_A_NAME)
        if part.strip():
            pieces.append(re2.escape(part.strip()))
    source = r"\s*".join(pieces)
    return Symptom(source, re2.compile(source, SYMPTOM_OPTIONS))


def _variants(doc: dict, where: _Where) -> tuple[Variant, ...]:
    variants: list[Variant] = []
    for i, v in enumerate(doc.get("variants") or ()):
        if any(v["id"] == seen.id for seen in variants):
            where.problem(["variants", i, "id"], f"duplicate variant id {v['id']}")
        variants.append(
            Variant(
                id=v["id"],
                title=v["title"],
                cause=v["cause"].strip(),
                steps=tuple(v["steps"]),
                http_status=tuple(v.get("http_status") or ()),
                messages=tuple(m.strip() for m in v.get("messages") or ()),
                symptoms=where.symptoms(v.get("symptoms"), ["variants", i, "symptoms"], v.get("messages")),
                status_signs=tuple(v.get("status_signs") or ()),
                title_zh=v.get("title_zh"),
                cause_zh=(v.get("cause_zh") or "").strip() or None,
                steps_zh=tuple(v.get("steps_zh") or ()),
                layer=Layer(v["layer"]) if v.get("layer") else None,
                route=Route(v["route"]) if v.get("route") else None,
            )
        )
    return tuple(variants)


def _examples(doc: dict, variants: tuple[Variant, ...], where: _Where) -> tuple[Example, ...]:
    examples = []
    for i, ex in enumerate(doc["examples"]):
        example = Example(ex) if isinstance(ex, str) else Example(ex["text"], ex.get("variant"))
        if example.variant and not any(v.id == example.variant for v in variants):
            where.problem(["examples", i], f"example names unknown variant {example.variant}")
        examples.append(example)
    return tuple(examples)


def line_of(text: str, where: list) -> int:
    """1-based line of the YAML node at ``where`` (keys and indexes), or of its deepest parent."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return 1
    line = node.start_mark.line + 1 if node is not None else 1
    for step in where:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(step)), None)
            if pair is None:
                break
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and str(step).isdigit() and int(step) < len(node.value):
            node = node.value[int(step)]
        else:
            break
        line = node.start_mark.line + 1
    return line
