"""Probe rules without a network: URL allowlist, address notations, the registry, the policy."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.probe.policy import ProbePolicy
from bot.probe.registry import Registry, RegistryError
from bot.probe.safety import Refused, UrlRules, blocked_reason, literal_ip
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
    assert set(registry.services) == {"ocr-prod", "poetry", "segmentation", "llm-chat"}
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
