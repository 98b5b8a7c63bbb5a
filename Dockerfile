# The ModelArts triage bot in HTTP mode (the Procfile's web process) under waitress.
#   docker build -t modelarts-triage-bot:0.2.0 .
#   docker run --env-file deploy/slack.env -p 3000:3000 modelarts-triage-bot:0.2.0
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PORT=3000

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY pyproject.toml LICENSE ./
COPY playbooks/ playbooks/
COPY bot/ bot/

# An unprivileged user; state/ is where the default SQLite store (STATE_URL unset) writes.
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --no-create-home --shell /usr/sbin/nologin bot \
    && mkdir -p /app/state \
    && chown bot:bot /app/state
USER 10001:10001

EXPOSE 3000

# /healthz answers without I/O while the process is up (urlopen raises on anything but 2xx).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

# SIGTERM (docker stop) finishes the replies in flight, for up to 45 s.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "serve", "--http"]
