"""Reading the files an admin points the bot at (the services file, its body files) without trusting them.

``read_bounded`` reads at most ``limit`` bytes of a regular file: a device (``/dev/zero``), a FIFO or a
folder is refused before any byte is read, and a file that grows while it is read is cut and refused.
``load_yaml`` walks the YAML event stream first (linear, no recursion, nothing built) and refuses
aliases (the "billion laughs" bomb), nesting deeper than ``MAX_DEPTH`` (building the document
recurses) and values that cannot be built (a 5,000-digit number, the 13th month), then builds the
document with the safe loader. Every ``FileProblem`` carries the line and the keys leading to the
node, and never quotes the file: PyYAML's messages show the offending line, which may hold a secret.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
)

MAX_DEPTH = 32


class FileProblem(Exception):
    """Why a file cannot be used; ``line`` (1-based, 0 when no line applies) and ``where`` (keys) locate it."""

    def __init__(self, message: str, line: int = 0, where: tuple = ()):
        super().__init__(message)
        self.line, self.where = line, list(where)


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, if there are at most ``limit``; ``FileProblem`` otherwise."""
    try:  # non-blocking: opening a FIFO must not wait for a writer (it is refused just below)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise FileProblem(f"cannot be read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem("is not a regular file")
        if info.st_size > limit:
            raise FileProblem(f"is larger than {_size(limit)}")
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read(limit + 1)
    except OSError as exc:
        raise FileProblem(f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise FileProblem(f"is larger than {_size(limit)}")
    return data


def load_yaml(text: str) -> object:
    """The document in ``text``, built only after its events passed the checks above."""
    where: list = []
    try:
        _walk(text, where)
        return yaml.load(text, Loader=_Loader)  # a SafeLoader, built node by node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        words = ", ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise FileProblem(f"invalid YAML: {words}", mark.line + 1 if mark else 1, tuple(where)) from None
    except yaml.YAMLError as exc:
        raise FileProblem(f"invalid YAML ({type(exc).__name__})", 1, tuple(where)) from None


def _walk(text: str, where: list) -> None:
    """Refuse aliases and deep nesting from the event stream; ``where`` follows the keys to the current node."""
    frames: list[list] = []  # per open collection: [is_mapping, current key or index, expecting a key]
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, CollectionEndEvent):
            frames.pop()
            _advance(frames)
            continue
        if not isinstance(event, NodeEvent):
            continue
        if frames and frames[-1][0] and frames[-1][2]:
            frames[-1][1] = event.value if isinstance(event, ScalarEvent) else "?"
        where[:] = [frame[1] for frame in frames]
        line = event.start_mark.line + 1
        if isinstance(event, AliasEvent):
            raise FileProblem("YAML aliases (*name) are not accepted here", line, tuple(where))
        if isinstance(event, CollectionStartEvent):
            if len(frames) >= MAX_DEPTH:
                raise FileProblem(f"nesting deeper than {MAX_DEPTH} levels is not accepted", line, tuple(where))
            mapping = isinstance(event, MappingStartEvent)
            frames.append([mapping, None if mapping else 0, mapping])
        else:
            _advance(frames)


def _advance(frames: list[list]) -> None:
    """A node ended: in a mapping a key gives way to its value and a value to the next key; a list moves on."""
    if frames:
        frame = frames[-1]
        if frame[0]:
            frame[2] = not frame[2]
        else:
            frame[1] += 1


class _Loader(yaml.SafeLoader):
    """The safe loader, where a value that cannot be built is a located YAML error, not a crash."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, RecursionError) as exc:
            reason = f"this value cannot be read ({type(exc).__name__})"
            raise yaml.constructor.ConstructorError(None, None, reason, node.start_mark) from None


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
