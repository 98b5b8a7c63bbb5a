"""Probe rules without a network: URL allowlist, address notations, the registry (secrets, files, YAML bombs), the
policy, the scrubber."""

from __future__ import annotations

import base64
import html
import json
import os
import textwrap
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from bot.probe.policy import ProbePolicy
from bot.probe.registry import Registry, RegistryError
from bot.probe.safety import Refused, UrlRules, blocked_reason, literal_ip
from bot.probe.scrub import Scrubber, notations
from bot.settings import ProbeSettings
from bot.store.memory import MemoryStore

ROOT = Path(__file__).resolve().parent.parent
GOOD_URL = "https://0123456789abcdef0123456789abcdef.apig.cn-north-4.huaweicloudapis.com/v1/infers/x"


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("0", "0.0.0.0"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("::1", "::1"),
    ],
)
def test_every_ip_notation_is_understood(text, address):
    assert str(literal_ip(text)) == address


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("10.2.3.4", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local (cloud metadata)"),
        ("100.100.100.200", "shared (CGNAT)"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("::1", "loopback"),
        ("fe80::1", "link-local (cloud metadata)"),
        ("fd12::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::", "loopback"),
        ("240.0.0.1", "private"),
    ],
)
def test_non_public_addresses_are_blocked(address, reason):
    assert blocked_reason(literal_ip(address)) == reason


def test_public_addresses_pass():
    rules = UrlRules()
    for address in ("121.36.0.1", "1.1.1.1", "2606:4700::1111"):
        rules.check_address(address)


def test_an_admin_can_open_a_private_network():
    UrlRules(allowed_nets=(__import__("ipaddress").ip_network("10.8.0.0/16"),)).check_address("10.8.1.2")
    with pytest.raises(Refused, match="private"):
        UrlRules().check_address("10.8.1.2")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://x.apig.cn-north-4.huaweicloudapis.com/v1/infers/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1:6379/_INFO", "only http and https"),
        ("https://user:pw@x.apig.cn-north-4.huaweicloudapis.com/v1/infers/x", "carries credentials"),
        ("https://evil.example.com/v1/infers/x", "not an allowed probe host"),
        ("https://x.apig.cn-north-4.huaweicloudapis.com.evil.com/", "not an allowed probe host"),
        ("http://127.0.0.1/v1/infers/x", "not an allowed probe host"),
        ("http://169.254.169.254/latest/meta-data/", "not an allowed probe host"),
        ("https://x.apig.cn-north-4.huaweicloudapis.com:99999/", "cannot be read"),
        ("https://" + "a" * 2100, "longer than 2000"),
    ],
)
def test_urls_from_chat_are_checked_before_anything_is_sent(url, says):
    with pytest.raises(Refused, match=says):
        UrlRules().check_url(url)


def test_allowed_gateway_urls_pass():
    assert UrlRules().check_url(GOOD_URL) == ("https", 443, GOOD_URL.split("/")[2])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "services.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_the_example_registry_loads():
    registry = Registry.load(ROOT / "services.example.yaml")
    assert set(registry.services) == {"ocr-prod", "poetry", "segmentation", "llm-chat", "maas-chat"}
    assert registry.get("maas-chat").auth == {"type": "api_key", "key_env": "MAAS_API_KEY"}
    assert registry.get("poetry").service_id == "08e40f85-51a4-4097-9777-ab7869932887"
    assert registry.get("segmentation").body == b'{"images": ""}\n'


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("services:\n  a:\n    url: ftp://x/\n", "services.yaml:3: service 'a' field 'url' must be an http(s) URL"),
        ("services:\n  a:\n    url: https://x/\n    auth: {type: token}\n", "services.yaml:4: service 'a' field 'auth.token_env' is required"),
        ("services:\n  a:\n    url: https://x/\n    auth: {type: magic}\n", "field 'auth.type' must be one of"),
        ("services:\n  a:\n    url: https://x/\n    auth: {type: token, token_env: T, token: abc}\n", "secrets come from the environment"),
        ("services:\n  a:\n    url: https://x/\n    timeout_s: 600\n", "services.yaml:4: service 'a' field 'timeout_s'"),
        ("services:\n  a:\n    url: https://x/\n    colour: red\n", "services.yaml:4: service 'a' field 'colour' is not known"),
        ("services:\n  a:\n    url: https://x/\n    body_file: nope.json\n", "field 'body_file' cannot be read"),
        ("services:\n  Bad Name:\n    url: https://x/\n", "service 'Bad Name' name must be lower-case"),
        ("services: [1, 2]\n", "services.yaml:1: must be a mapping"),
        ("services:\n  a: {url: [unclosed\n", "invalid YAML"),
    ],
)  # fmt: skip
def test_a_broken_registry_names_file_entry_field_and_line(tmp_path, text, says):
    with pytest.raises(RegistryError) as caught:
        Registry.load(write(tmp_path, text))
    assert says in str(caught.value)


def policy(**kw) -> ProbePolicy:
    return ProbePolicy(MemoryStore(), Registry.load(ROOT / "services.example.yaml"), UrlRules(), ProbeSettings(**kw))


def test_policy_resolves_names_urls_and_refuses_the_rest():
    p = policy()
    assert p.resolve("ocr-prod").target.trusted
    assert p.resolve(" OCR-PROD ").target.label == "ocr-prod"
    registered = p.resolve(
        "https://x.apig.cn-north-4.huaweicloudapis.com/v1/infers/08e40f85-51a4-4097-9777-ab7869932887"
    )
    assert registered.target.label == "poetry" and registered.target.trusted
    pasted = p.resolve(GOOD_URL)
    assert pasted.target and not pasted.target.trusted
    assert "Usage" in p.resolve("").refusal and "ocr-prod" in p.resolve("").refusal
    assert "don't know a service called `nope`" in p.resolve("nope").refusal
    assert "Usage" in p.resolve("a b c").refusal
    assert "not an allowed probe host" in p.resolve("http://10.0.0.1/").refusal


def test_policy_rate_limits_per_user_and_channel():
    p = policy(per_user=(2, 60), per_channel=(3, 60))
    assert [p.take("U1", "C1").refusal is None for _ in range(3)] == [True, True, False]
    assert p.take("U2", "C1").refusal is None  # U2's first, the channel's third
    refused = p.take("U3", "C1")
    assert "try again in 60 s" in refused.refusal


def test_policy_dry_run_says_what_take_would_do_and_counts_nothing():
    p = policy(per_user=(1, 60))
    assert [p.allowed("U1", "C1").refusal is None for _ in range(5)] == [True] * 5
    assert p.take("U1", "C1").refusal is None
    assert "probe limit" in p.allowed("U1", "C1").refusal
    assert "probe limit" in p.take("U1", "C1").refusal
    assert p.allowed("U2", "C1").refusal is None


def test_policy_allowlists():
    p = policy(users=frozenset({"U1"}), channels=frozenset({"C1"}))
    assert p.take("U1", "C1").refusal is None and p.allowed("U1", "C1").refusal is None
    assert "limited to a list of users" in p.take("U2", "C1").refusal
    assert "not enabled in this channel" in p.allowed("U1", "C2").refusal


# -- services.yaml: secrets written in the file, broken header lines, files outside or too big, YAML bombs ------------

TOKEN = "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggKXBgkqhkiG9w0BBwGgggKIBIIChHsidG9r"
APPCODE = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"
AK, SK = "QWERTYUIOP1234ASDFGH", "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa9876"
MAAS = "maas-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123456789"
SECRETS_WRITTEN = (TOKEN, APPCODE, AK, SK, MAAS, "hunter2-pw")


def entry(*lines: str) -> str:
    return "services:\n  svc:\n    url: https://x.apig.cn-north-4.huaweicloudapis.com/v1/infers/x\n" + "".join(
        f"    {line}\n" for line in lines
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (entry(f"auth: {{type: token, token_env: T, token: {TOKEN}}}"), ":4: service 'svc' field 'auth.token' is a secret"),
        (entry(f"auth: {{type: appcode, appcode_env: {APPCODE}}}"), ":4: service 'svc' field 'auth.appcode_env' holds a secret"),
        (entry(f"auth: {{type: aksk, key_env: {AK}, secret_env: HW_SK}}"), ":4: service 'svc' field 'auth.key_env' holds a secret"),
        (entry(f"auth: {{type: aksk, key_env: HW_AK, secret_env: {SK}}}"), ":4: service 'svc' field 'auth.secret_env' holds a secret"),
        (entry(f"auth: {{type: api_key, key_env: K, api_key: {MAAS}}}"), ":4: service 'svc' field 'auth.api_key' is a secret"),
        (entry("auth: {type: iam_password, iam_url: 'https://u:hunter2-pw@iam.x.com', domain: d, user: u, "
               "password_env: P, project: p}"), ":4: service 'svc' field 'auth.iam_url' carries user:password@"),
        (entry("auth:", "  type: iam_password", "  password: hunter2-pw"), ":6: service 'svc' field 'auth.password' is a secret"),
        (entry(f"token: {TOKEN}"), ":4: service 'svc' field 'token' is a secret"),
        (entry(f"appcode: {APPCODE}"), ":4: service 'svc' field 'appcode' is a secret"),
        (entry("headers:", f"  X-Auth-Token: {TOKEN}"), ":5: service 'svc' field 'headers.X-Auth-Token' carries a credential"),
        (entry(f"headers: {{X-Apig-AppCode: {APPCODE}}}"), ":4: service 'svc' field 'headers.X-Apig-AppCode' carries a credential"),
        (entry(f"headers: {{Authorization: 'Bearer {MAAS}'}}"), ":4: service 'svc' field 'headers.Authorization' carries a credential"),
        ("services:\n  svc:\n    url: 'https://x.apig.cn-north-4.huaweicloudapis.com/v1/infers/x?X-Auth-Token=" + TOKEN
         + "'\n", ":3: service 'svc' field 'url' carries a credential in its query"),
        (entry(f"headers: {{X-Trace: '{TOKEN}'}}"), ":4: service 'svc' field 'headers.X-Trace' holds what looks like a credential"),
    ],
)  # fmt: skip
def test_secrets_written_in_the_services_file_are_refused_by_field_and_line_never_shown(tmp_path, text, says):
    path = write(tmp_path, text)
    with pytest.raises(RegistryError) as caught:
        Registry.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}{says}"), message
    assert "environment" in message or "query" in message
    assert not [s for s in SECRETS_WRITTEN if s in message], message


@pytest.mark.parametrize(
    "header",
    ['"a\\r\\nX-Injected: 1"', '"value\\n"', '"a\\rb"', '"a\\u0000b"', '"a\\u0085b"', "|\n        two\n        lines"],
)
def test_a_header_value_that_is_not_one_line_is_refused(tmp_path, header):
    path = write(tmp_path, entry("headers:", f"  X-Trace: {header}"))
    with pytest.raises(RegistryError) as caught:
        Registry.load(path)
    assert str(caught.value) == (
        f"{path}:5: service 'svc' field 'headers.X-Trace' must be one line of text (no CR/LF or other control characters)"
    )


@pytest.mark.parametrize("url", ['"https://x.apig.cn-north-4.huaweicloudapis.com/v1/infers/x\\r\\nX-Injected: 1"',
                                 '"https://x.apig.cn-north-4.huaweicloudapis.com/v1/a b"'])  # fmt: skip
def test_a_url_with_a_line_break_or_space_is_refused(tmp_path, url):
    path = write(tmp_path, f"services:\n  svc:\n    url: {url}\n")
    with pytest.raises(RegistryError, match=r":3: service 'svc' field 'url' must be an http\(s\) URL of printable"):
        Registry.load(path)


def refused(path: Path) -> str:
    with pytest.raises(RegistryError) as caught:
        Registry.load(path)
    return str(caught.value)


@pytest.fixture
def folder(tmp_path):
    """A services folder next to a secret file it must not reach."""
    (tmp_path / "outside.json").write_text('{"secret": "outside"}')
    inside = tmp_path / "svc"
    inside.mkdir()
    (inside / "ok.json").write_text("{}")
    return inside


@pytest.mark.parametrize("name", ["../outside.json", "sub/../../outside.json", "/etc/passwd", "/dev/zero", "link.json",
                                  "zero-link"])  # fmt: skip
def test_a_body_file_outside_the_services_folder_is_refused(folder, name):
    (folder / "link.json").symlink_to(folder.parent / "outside.json")
    (folder / "zero-link").symlink_to("/dev/zero")
    path = write(folder, entry(f"body_file: '{name}'"))
    assert refused(path) == (
        f"{path}:4: service 'svc' field 'body_file' must stay inside the services file's folder "
        "(no '..', absolute path or symlink out)"
    )


def test_a_body_file_that_is_too_big_or_not_a_file_is_refused_without_reading_it(folder):
    with open(folder / "big.json", "wb") as big:  # sparse: 12 MB + 1 byte, written in no time
        big.truncate(12 * 1024 * 1024 + 1)
    os.mkfifo(folder / "pipe.json")  # opening a FIFO for reading would wait for a writer for ever
    (folder / "dir.json").mkdir()
    started = time.monotonic()
    for name, says in [("big.json", "is larger than 12 MB"), ("pipe.json", "is not a regular file"),
                       ("dir.json", "is not a regular file")]:  # fmt: skip
        path = write(folder, entry(f"body_file: {name}"))
        assert refused(path) == f"{path}:4: service 'svc' field 'body_file' {says} ({name})"
    assert time.monotonic() - started < 2
    assert Registry.load(write(folder, entry("body_file: ok.json"))).get("svc").body == b"{}"


def test_a_services_file_that_is_too_big_or_a_device_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "services.yaml"
    big.write_text(entry("body: '" + "x" * (1024 * 1024) + "'"))
    assert refused(big) == f"{big}: the services file is larger than 1 MB"
    assert refused(Path("/dev/zero")) == "/dev/zero: the services file is not a regular file"
    os.mkfifo(tmp_path / "pipe.yaml")
    assert refused(tmp_path / "pipe.yaml").endswith("the services file is not a regular file")


LAUGHS = (
    "\n".join(
        [entry("body:").rstrip("\n"), '      a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        + [f"      {chr(c + 1)}: &{chr(c + 1)} [{', '.join([f'*{chr(c)}'] * 9)}]" for c in range(ord("a"), ord("i"))]
    )
    + "\n"
)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (LAUGHS, ":6: service 'svc' field 'body.b.0': YAML aliases (*name) are not accepted here"),
        (entry("body: " + "[" * 100_000 + "]" * 100_000),
         ":4: service 'svc' field 'body.0.0.0.…': nesting deeper than 32 levels is not accepted"),
        (entry("body: " + "{a: " * 10_000 + "1" + "}" * 10_000),
         ":4: service 'svc' field 'body.a.a.a.…': nesting deeper than 32 levels is not accepted"),
        (entry("timeout_s: " + "9" * 5000), ":4: service 'svc' field 'timeout_s': invalid YAML: this value cannot be read"),
        (entry("body: 2024-13-45"), ":4: service 'svc' field 'body': invalid YAML: this value cannot be read"),
    ],
)  # fmt: skip
def test_yaml_bombs_and_unbuildable_values_are_refused_by_entry_field_and_line(tmp_path, text, says):
    path = write(tmp_path, text)
    started = time.monotonic()
    message = refused(path)
    assert time.monotonic() - started < 2 and message.startswith(f"{path}{says}"), message


def test_a_yaml_syntax_error_never_quotes_the_line_it_is_on(tmp_path):
    path = write(tmp_path, entry(f'headers: {{X-Trace: "{TOKEN}'))
    message = refused(path)
    assert (
        message.startswith(f"{path}:5: service 'svc' field 'headers.X-Trace': invalid YAML: ") and TOKEN not in message
    )


# -- the probe's own credentials, in every notation an answer could echo them ------------------------------------------


def test_the_scrubber_masks_a_secret_in_every_notation():
    secret = "s3cr3t/Key+with=odd&chars<>"
    scrub = Scrubber([secret])
    raw = secret.encode()
    forms = [secret, secret.upper(), quote(secret, safe=""), quote_plus(secret), json.dumps(secret), html.escape(secret),
             raw.hex(), raw.hex().upper(), *(base64.b64encode(pad + raw).decode() for pad in (b"", b"u:", b"us:")),
             base64.urlsafe_b64encode(b"Basic " + raw).decode()]  # fmt: skip
    for form in forms:
        masked = scrub(f"echo: {form} .")
        assert "[masked]" in masked and not [n for n in notations(secret) if n.lower() in masked.lower()], form
    assert scrub("an ordinary line") == "an ordinary line" and Scrubber([None, "", "abc"])("abc") == "abc"
