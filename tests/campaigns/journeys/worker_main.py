"""A journey worker process for the SIGKILL test: the same engine `hub serve --role worker`
runs, with a one-second lease so a killed worker's enrolments come back quickly.
Usage: python -m tests.campaigns.journeys.worker_main DATABASE_URL SMTP_URL VAR_DIR"""

from __future__ import annotations

import asyncio
import sys

from campaigns.journeys.engine import EngineConfig
from hub.config import load_settings
from hub.store import create_store
from hub.wiring import assemble, build_adapters, build_journey_engine
from tests.conftest import RULES_OFF


async def main(database_url: str, smtp_url: str, var_dir: str) -> None:
    settings = load_settings({"HUB_DATABASE_URL": database_url, "HUB_SMTP_URL": smtp_url,
                              "HUB_VAR_DIR": var_dir, "HUB_SECRET_KEY": "k" * 32,
                              "HUB_EMAIL_FROM": "news@shop.example", **RULES_OFF},
                             dotenv=None)
    store = await create_store(settings)
    components = assemble(store, settings, build_adapters(settings))
    config = EngineConfig(batch=20, concurrency=4, lease_s=1.0, poll_s=0.05)
    await build_journey_engine(components, config).run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
