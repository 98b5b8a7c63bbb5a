"""Reads the text of snippets and text files shared with a message (Slack turns long pastes into these).

Read when a paste is worked, never on the ack path. The bot token goes only to Slack's own file host
(or the configured Web API host, for proxies and test doubles), never to an external file's URL; no
redirects are followed, and at most ``MAX_BYTES`` are read over all the files of a message together.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests
from slack_sdk import WebClient

from bot.redact import mask

log = logging.getLogger(__name__)

MAX_BYTES = 1_000_000
"""Bytes read from the files of one message, all together (the matcher reads at most 200,000 characters)."""
MAX_FILES = 5
SLACK_FILE_HOSTS = frozenset({"files.slack.com"})
TEXT_FILETYPES = frozenset(
    "text txt log json javascript python java go shell bash yaml xml csv markdown diff sql plain".split()
)


def shared_texts(client: WebClient, file_ids: tuple[str, ...]) -> list[str]:
    """The text of up to five shared text files; a file that cannot be read is logged and skipped."""
    texts = []
    budget = MAX_BYTES
    allowed = SLACK_FILE_HOSTS | {urlsplit(client.base_url).hostname}
    for file_id in file_ids[:MAX_FILES]:
        if budget <= 0:
            break
        try:
            info = client.files_info(file=file_id)["file"]
            url = info.get("url_private_download") or info.get("url_private") or ""
            if info.get("is_external") or urlsplit(url).hostname not in allowed:
                continue  # the token is Slack's: it never goes to a third-party URL
            if not _is_text(info):
                continue
            auth = {"Authorization": f"Bearer {client.token}"}
            with requests.get(url, headers=auth, timeout=10, stream=True, allow_redirects=False) as got:
                if got.status_code != 200:
                    raise OSError(f"HTTP {got.status_code} from the file host")
                data = got.raw.read(budget, decode_content=True)
            budget -= len(data)
            texts.append(data.decode("utf-8", "replace"))
        except Exception as exc:
            log.warning("could not read shared file %s: %s", file_id, mask(str(exc)))
    return texts


def _is_text(info: dict) -> bool:
    mimetype = info.get("mimetype") or ""
    return mimetype.startswith("text/") or info.get("filetype") in TEXT_FILETYPES or info.get("mode") == "snippet"
