"""The channels, named in one table. Each builds its adapter from the settings, or returns
None when it is not configured, in which case its messages go to the sandbox outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from channels.email import build_adapter as build_email
from channels.outbox.sandbox import OutboxAdapter
from channels.sms import build_sms_adapter
from hub.config import Settings
from hub.ports import ChannelAdapter

AdapterFactory = Callable[[Settings], ChannelAdapter | None]


@dataclass(frozen=True, slots=True)
class ChannelPlugin:
    name: str
    build: AdapterFactory


class ChannelRegistry:
    """A closed set of channels; registering a name twice is a programming error."""

    def __init__(self) -> None:
        self._plugins: dict[str, ChannelPlugin] = {}

    def register(self, plugin: ChannelPlugin) -> None:
        if plugin.name in self._plugins:
            raise ValueError(f"channel {plugin.name!r} registered twice")
        self._plugins[plugin.name] = plugin

    def names(self) -> list[str]:
        return list(self._plugins)

    def build_adapters(self, settings: Settings) -> dict[str, ChannelAdapter]:
        """Every channel's adapter; the sandbox outbox stands in for unconfigured ones."""
        adapters: dict[str, ChannelAdapter] = {}
        for name, plugin in self._plugins.items():
            adapter = plugin.build(settings)
            adapters[name] = adapter or OutboxAdapter(name, settings.var_dir / "outbox",
                                                      sender=settings.email_from)
        return adapters


REGISTRY = ChannelRegistry()
REGISTRY.register(ChannelPlugin("email", build_email))
REGISTRY.register(ChannelPlugin("sms", build_sms_adapter))
