"""Worker processes for the crash-safety tests: the same engines `hub serve --role worker`
runs, started as real processes (a one-second lease, so a killed worker's work comes back
quickly) and killed with SIGKILL at random moments."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[2]
Kind = Literal["dispatch", "journeys"]


def start_worker(kind: Kind, url: str, smtp_port: int, var: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.worker_process", kind, url,
         f"smtp://127.0.0.1:{smtp_port}", str(var)], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(5)


async def kill_mid_work(kind: Kind, url: str, smtp_port: int, var: Path, *, rounds: int,
                        seed: int, alive_s: tuple[float, float]) -> int:
    """Start a worker `rounds` times and SIGKILL it after a random time in `alive_s`;
    how many were killed while still running."""
    rng = random.Random(seed)
    kills = 0
    for _ in range(rounds):
        worker = start_worker(kind, url, smtp_port, var)
        await asyncio.sleep(rng.uniform(*alive_s))
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
            kills += 1
        worker.wait(5)
    return kills


async def main(kind: Kind, database_url: str, smtp_url: str, var_dir: str) -> None:
    from campaigns.journeys.engine import EngineConfig
    from hub.config import load_settings
    from hub.store import create_store
    from hub.wiring import (
        assemble,
        build_adapters,
        build_journey_engine,
        build_worker,
        dispatch_config,
    )
    from tests.conftest import RULES_OFF

    settings = load_settings({"HUB_DATABASE_URL": database_url, "HUB_SMTP_URL": smtp_url,
                              "HUB_VAR_DIR": var_dir, "HUB_SECRET_KEY": "k" * 32,
                              "HUB_EMAIL_FROM": "news@shop.example", **RULES_OFF},
                             dotenv=None)
    store = await create_store(settings)
    components = assemble(store, settings, build_adapters(settings))
    if kind == "dispatch":
        config = dataclasses.replace(dispatch_config(settings), lease_s=1.0, poll_s=0.05,
                                     batch=20, concurrency=4)
        await build_worker(components, config).run()
    else:
        await build_journey_engine(components, EngineConfig(
            batch=20, concurrency=4, lease_s=1.0, poll_s=0.05)).run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))  # type: ignore[arg-type]
