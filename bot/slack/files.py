"""Reads the text of snippets and text files shared with a message (Slack turns long pastes into these).

The bot token goes only to Slack's own file host (or the configured Web API host, for proxies and
test doubles), never to an external file's URL; no redirects are followed, and at most 1 MB is read.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests
from slack_sdk import WebClient

from bot.redact import mask

log = logging.getLogger(__name__)

MAX_BYTES = 1_000_000
MAX_FILES = 5
SLACK_FILE_HOSTS = frozenset({"files.slack.com"})
TEXT_FILETYPES = frozenset(
    "text txt log json javascript python java go shell bash yaml xml csv markdown diff sql plain".split()
)


def shared_texts(client: WebClient, files: tuple[dict, ...]) -> list[str]:
    """The text of up to five shared text files; a file that cannot be read is logged and skipped."""
    texts = []
    allowed = SLACK_FILE_HOSTS | {urlsplit(client.base_url).hostname}
    for shared in files[:MAX_FILES]:
        try:
            info = client.files_info(file=shared["id"])["file"]
            url = info.get("url_private_download") or info.get("url_private") or ""
            if info.get("is_external") or urlsplit(url).hostname not in allowed:
                continue  # the token is Slack's: it never goes to a third-party URL
            if not _is_text(info) or int(info.get("size") or 0) > MAX_BYTES:
                continue
            auth = {"Authorization": f"Bearer {client.token}"}
            with requests.get(url, headers=auth, timeout=10, stream=True, allow_redirects=False) as got:
                if got.status_code != 200:
                    raise OSError(f"HTTP {got.status_code} from the file host")
                texts.append(got.raw.read(MAX_BYTES, decode_content=True).decode("utf-8", "replace"))
        except Exception as exc:
            log.warning("could not read shared file %s: %s", shared.get("id"), mask(str(exc)))
    return texts


def _is_text(info: dict) -> bool:
    mimetype = info.get("mimetype") or ""
    return mimetype.startswith("text/") or info.get("filetype") in TEXT_FILETYPES or info.get("mode") == "snippet"
