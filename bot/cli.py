"""Command line: ``python -m bot [diagnose|lint|console|probe|serve|gaps|stats] ...``.

With no command the bot serves Slack when Slack settings are present, else starts its local console.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace

from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.playbook import PlaybookLoadError
from bot.probe.result import ProbeResult
from bot.render.payload import diagnosis_dict, probe_dict
from bot.render.text import render_probe_text, render_text
from bot.settings import Settings, SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")

    def playbooks_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--playbooks", metavar="DIR", help="knowledge base folder (default: $PLAYBOOKS_DIR or ./playbooks)"
        )

    def services_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--services", metavar="FILE", help="services registry (default: $SERVICES_FILE)")

    diag = sub.add_parser("diagnose", help="diagnose a pasted error (argument or stdin)")
    diag.add_argument("text", nargs="?", help="the paste; read from stdin when absent")
    out = diag.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--jsonl", action="store_true", help='read {"id", "text"} lines on stdin, write one object each')
    playbooks_option(diag)

    lint = sub.add_parser("lint", help="check playbooks: schema, examples, counterexamples, collisions")
    lint.add_argument("dir", nargs="?", help="playbooks folder (default: $PLAYBOOKS_DIR or ./playbooks)")

    console = sub.add_parser("console", help="local console: paste errors (or /predict-check NAME), read answers")
    playbooks_option(console)
    services_option(console)

    probe = sub.add_parser("probe", help="probe a registered service or a prediction URL: which hop fails now")
    probe.add_argument("target", help="a service name from the services file, or a prediction URL")
    probe.add_argument("--json", action="store_true", help="print one JSON object")
    playbooks_option(probe)
    services_option(probe)

    gaps = sub.add_parser("gaps", help="pastes that matched nothing or were voted unhelpful, grouped, with drafts")
    gaps.add_argument("--since", default="7d", help="how far back (30m, 24h, 7d, 2w; default 7d)")
    gaps.add_argument("--json", action="store_true", help="print the groups as JSON")
    stats = sub.add_parser("stats", help="answers, votes per playbook and variant, helpful rate")
    stats.add_argument("--json", action="store_true", help="print one JSON object")

    serve = sub.add_parser("serve", help="run the Slack bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--socket", dest="mode", action="store_const", const="socket", help="force Socket Mode")
    mode.add_argument("--http", dest="mode", action="store_const", const="http", help="force HTTP mode")
    serve.add_argument(
        "--port",
        type=int,
        help="HTTP port (default: $PORT or 3000); in Socket Mode the health port if $HEALTH_PORT is unset",
    )
    playbooks_option(serve)
    services_option(serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command
    if command == "lint":
        return _lint(args.dir)
    if command in ("gaps", "stats"):
        return _upkeep(command, args)
    if command in ("serve", None):
        try:
            settings = Settings.from_env()
            if command == "serve" or settings.has_slack:
                return _serve(settings, getattr(args, "mode", None), getattr(args, "port", None), args)
        except SettingsError as exc:
            print(f"Cannot start the Slack bot:\n{exc}", file=sys.stderr)
            return 2
    try:
        kb = KnowledgeBase.load(getattr(args, "playbooks", None))
    except PlaybookLoadError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 2
    matcher = Matcher(kb)
    if command == "diagnose":
        return _diagnose(matcher, args)
    try:
        checker = ProbeDesk(matcher, getattr(args, "services", None))
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    if command == "probe":
        result = checker.run(args.target)
        if args.json:
            _emit(probe_dict(result))
        else:
            sys.stdout.write(render_probe_text(result))
        return 2 if result.refused else 0
    from bot.console import run_console

    return run_console(matcher, probe=lambda arg: render_probe_text(checker.run(arg)))


class ProbeDesk:
    """Probes from the command line and the console: registry and URL rules apply, chat rate limits do not."""

    def __init__(self, matcher: Matcher, services: str | None):
        from bot.runtime import build_probe
        from bot.store.memory import MemoryStore

        self.prober, self.policy = build_probe(lambda: matcher, MemoryStore(), services)

    def run(self, text: str) -> ProbeResult:
        decision = self.policy.resolve(text)
        if decision.refusal:
            return ProbeResult(text.strip()[:200], None, refused=decision.refusal)
        return self.prober.probe(decision.target)


def _serve(settings: Settings, mode: str | None, port: int | None, args) -> int:
    from bot.logs import setup_logging
    from bot.runtime import serve_http, serve_socket

    mode = settings.mode(mode)
    settings.check(mode)
    try:
        setup_logging(os.environ.get("LOG_LEVEL") or "INFO")
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    playbooks, services = getattr(args, "playbooks", None), getattr(args, "services", None)
    try:
        if mode == "socket":
            if port and not settings.health_port:
                settings = replace(settings, health_port=port)
            return serve_socket(settings, playbooks, services)
        return serve_http(settings, port or settings.port, playbooks, services)
    except PlaybookLoadError as exc:
        raise SettingsError("the knowledge base has errors:\n" + "\n".join(map(str, exc.errors))) from None


def _diagnose(matcher: Matcher, args) -> int:
    if args.jsonl:
        for n, line in enumerate(sys.stdin.buffer, 1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
                case_id, text = case.get("id"), case["text"]
                if not isinstance(text, str):
                    raise TypeError("text must be a string")
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                _emit({"id": None, "matched": False, "error": f"line {n}: {exc}"})
                continue
            _emit(diagnosis_dict(matcher.diagnose(text), case_id))
        return 0
    paste = args.text if args.text is not None else sys.stdin.buffer.read()
    diagnosis = matcher.diagnose(paste)
    if args.json:
        _emit(diagnosis_dict(diagnosis))
    else:
        sys.stdout.write(render_text(diagnosis))
    return 0


def _upkeep(command: str, args) -> int:
    from bot.store.factory import StoreUnavailableError, open_store
    from bot.upkeep import gaps_report, parse_duration, stats_report

    try:
        since = parse_duration(args.since) if command == "gaps" else 0
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        store = open_store(strict=True)
    except (ValueError, StoreUnavailableError) as exc:
        print(f"Cannot read the bot's state: {exc}", file=sys.stderr)
        return 2
    try:
        if command == "stats":
            text, summary = stats_report(store)
            sys.stdout.write(json.dumps(summary) + "\n" if args.json else text)
            return 0
        text, groups = gaps_report(store, since)
        if args.json:
            groups_json = [
                {"count": len(g.gaps), "kinds": dict(g.kinds), "template": g.template,
                 "samples": [x.text[:500] for x in g.gaps[:3]], "draft": g.draft(n)}
                for n, g in enumerate(groups, 1)
            ]  # fmt: skip
            _emit({"groups": groups_json})
        else:
            sys.stdout.write(text)
        return 0
    finally:
        store.close()


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _lint(folder: str | None) -> int:
    from bot.lint import lint

    errors, checked = lint(folder or os.environ.get("PLAYBOOKS_DIR"))
    for error in errors:
        print(error)
    if errors:
        print(f"{len(errors)} problem(s)")
        return 1
    print(f"ok: {checked} examples and counterexamples checked")
    return 0
