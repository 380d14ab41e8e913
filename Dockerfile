# Hub for production-like runs: `docker compose up` starts it next to MongoDB.
# The image listens on 0.0.0.0:8080 and keeps its writable state (generated secret key,
# sandbox outbox, a SQLite file when no HUB_DATABASE_URL is given) in the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 hub \
    && useradd --system --uid 10001 --gid hub --home-dir /app --shell /usr/sbin/nologin hub \
    && install -d -o hub -g hub -m 0750 /data

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir hub && touch hub/__init__.py && pip install . && rm -rf hub build *.egg-info
COPY . .
# Editable: templates/ stays next to the code, where the app looks for it.
RUN pip install --no-deps -e .

USER hub
ENV HUB_LISTEN=0.0.0.0:8080 \
    HUB_VAR_DIR=/data \
    HUB_DATABASE_URL=sqlite:////data/hub.db
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
ENTRYPOINT ["hub"]
CMD ["serve"]
