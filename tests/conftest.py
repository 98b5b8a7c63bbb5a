"""Shared fixtures: the shipped knowledge base and a matcher over it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="session")
def matcher(kb) -> Matcher:
    return Matcher(kb)


def read_jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def chatter() -> list[str]:
    lines = (DATA / "chatter.txt").read_text(encoding="utf-8").splitlines()
    return [line.replace("\\n", "\n") for line in lines if line.strip() and not line.startswith("#")]
