"""Command line: ``python -m bot [diagnose|lint|console|probe|serve|gaps|stats] ...``.

With no command the bot serves Slack when Slack settings are present, else starts its local console.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from bot import __version__
from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.playbook import PlaybookLoadError
from bot.probe.desk import build_probes
from bot.render.payload import probe_dict, triage_dict
from bot.render.text import render_probe_text, render_triage_text
from bot.settings import Settings, SettingsError
from bot.store.memory import MemoryStore
from bot.triage import triage


def build_parser() -> argparse.ArgumentParser:
    prog = "modelarts-triage" if Path(sys.argv[0]).name == "modelarts-triage" else "python -m bot"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"modelarts-triage {__version__}")
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
    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"{'Cannot start the Slack bot' if command == 'serve' else 'Bad settings'}:\n{exc}", file=sys.stderr)
        return 2
    if command == "lint":
        return _lint(args.dir or settings.playbooks_dir)
    if command in ("gaps", "stats"):
        return _upkeep(command, args, settings)
    if command == "serve" or (command is None and settings.slack.configured):
        try:
            return _serve(settings, getattr(args, "mode", None))
        except SettingsError as exc:
            print(f"Cannot start the Slack bot:\n{exc}", file=sys.stderr)
            return 2
    try:
        matcher = Matcher(KnowledgeBase.load(settings.playbooks_dir))
    except PlaybookLoadError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 2
    if command == "diagnose":
        return _diagnose(matcher, args)
    try:
        probes = build_probes(settings, lambda: matcher, MemoryStore())
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    if command == "probe":
        result = probes.run(args.target)
        if args.json:
            _emit(probe_dict(result))
        else:
            sys.stdout.write(render_probe_text(result))
        return 2 if result.refused else 0
    from bot.console import run_console

    return run_console(matcher, probes)


def _settings(args) -> Settings:
    """The environment's settings, with the command line's overrides."""
    settings = Settings.from_env()
    if getattr(args, "playbooks", None):
        settings = replace(settings, playbooks_dir=Path(args.playbooks))
    if getattr(args, "services", None):
        settings = replace(settings, services_file=Path(args.services))
    port = getattr(args, "port", None)
    if port:
        server = settings.server
        socket = settings.slack.mode(getattr(args, "mode", None)) == "socket"
        server = replace(server, health_port=server.health_port or port) if socket else replace(server, port=port)
        settings = replace(settings, server=server)
    return settings


def _serve(settings: Settings, mode: str | None) -> int:
    from bot.logs import setup_logging
    from bot.runtime import serve_http, serve_socket

    mode = settings.slack.mode(mode)
    settings.slack.check(mode)
    setup_logging(settings.log_level)
    try:
        return serve_socket(settings) if mode == "socket" else serve_http(settings)
    except PlaybookLoadError as exc:
        raise SettingsError("the knowledge base has errors:\n" + "\n".join(map(str, exc.errors))) from None


def _diagnose(matcher: Matcher, args) -> int:
    """What the bot would say to a paste (triaged as if addressed to it), as text or JSON."""
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
            _emit(triage_dict(triage(text, matcher, addressed=True), case_id))
        return 0
    paste = args.text if args.text is not None else sys.stdin.buffer.read().decode("utf-8", "replace")
    t = triage(paste, matcher, addressed=True)
    if args.json:
        _emit(triage_dict(t))
    else:
        sys.stdout.write(render_triage_text(t))
    return 0


def _upkeep(command: str, args, settings: Settings) -> int:
    from bot.store.factory import StoreUnavailableError, open_store
    from bot.upkeep import gaps_report, parse_duration, stats_report

    try:
        since = parse_duration(args.since) if command == "gaps" else 0
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        store = open_store(settings.state_url, strict=True)
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


def _lint(folder: str | Path | None) -> int:
    from bot.lint import lint

    errors, checked = lint(folder)
    for error in errors:
        print(error)
    if errors:
        print(f"{len(errors)} problem(s)")
        return 1
    print(f"ok: {checked} examples and counterexamples checked")
    return 0
