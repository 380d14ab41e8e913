"""`hub campaign launch|status ID`: launch a draft and watch it, with a text progress bar."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from campaigns.engine.lifecycle import CampaignService
from hub.ports import Store

FINAL = ("completed", "cancelled")


def progress_line(campaign: dict[str, Any], width: int = 30) -> str:
    stats = campaign["stats"]
    filled = int(stats["progress"] * width)
    return (f"[{'#' * filled}{'.' * (width - filled)}] {stats['progress'] * 100:5.1f}% "
            f"{campaign['status']}: audience {stats['audience']}, sent {stats['sent']}, "
            f"skipped {stats['skipped']}, failed {stats['failed']}, "
            f"unknown {stats['unknown']}, replied {stats['replied']}, "
            f"opted out {stats['opted_out']}")


async def campaign_command(store: Store, action: str, campaign_id: str, *, watch: bool) -> int:
    service = CampaignService(store)
    if action == "launch":
        await service.launch(campaign_id)
    while True:
        described = await service.describe(campaign_id)
        line = progress_line(described)
        if not watch or described["status"] in FINAL or described["status"] == "paused":
            print(line)
            return 0
        print("\r" + line, end="", file=sys.stdout, flush=True)
        await asyncio.sleep(1)
