"""The channels, named in one table. Each registers what it can carry and how to build its
adapter from the settings; a builder returns None when the channel is not configured, and
the sandbox outbox stands in with the same capabilities. Adding a channel is one folder
under `channels/` plus one line here (and its name and `ChannelSpec` row in
`hub.domain.channels`, which the rest of Hub reads)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from channels.email import EMAIL_CAPABILITIES
from channels.email import build_adapter as build_email
from channels.outbox.sandbox import OutboxAdapter
from channels.setup import ChannelSetup
from channels.sms import SMS_CAPABILITIES, build_sms_adapter
from channels.whatsapp import WHATSAPP_CAPABILITIES, build_whatsapp_adapter, describe_whatsapp
from hub.config import Settings
from hub.domain.channels import SENDABLE_CHANNELS
from hub.ports import ChannelAdapter, ChannelCapabilities

AdapterFactory = Callable[[Settings], ChannelAdapter | None]
Describe = Callable[[Settings], ChannelSetup]


@dataclass(frozen=True, slots=True)
class ChannelPlugin:
    name: str
    capabilities: ChannelCapabilities
    build: AdapterFactory
    describe: Describe | None = None  # its row on /admin/channels (email and SMS: by hand)


class ChannelRegistry:
    """A closed set of channels; registering a name twice, or a name the domain does not
    know as sendable, is a programming error."""

    def __init__(self) -> None:
        self._plugins: dict[str, ChannelPlugin] = {}

    def register(self, plugin: ChannelPlugin) -> None:
        if plugin.name in self._plugins:
            raise ValueError(f"channel {plugin.name!r} registered twice")
        if plugin.name not in SENDABLE_CHANNELS:
            raise ValueError(f"channel {plugin.name!r} is not in hub.domain.channels")
        self._plugins[plugin.name] = plugin

    def names(self) -> list[str]:
        return list(self._plugins)

    def setups(self, settings: Settings) -> list[tuple[str, ChannelSetup]]:
        """(name, setup) of each channel that describes itself, in registry order."""
        return [(name, plugin.describe(settings)) for name, plugin in self._plugins.items()
                if plugin.describe is not None]

    def build_adapters(self, settings: Settings) -> dict[str, ChannelAdapter]:
        """Every channel's adapter; the sandbox outbox stands in for unconfigured ones."""
        adapters: dict[str, ChannelAdapter] = {}
        for name, plugin in self._plugins.items():
            adapter = plugin.build(settings)
            adapters[name] = adapter or OutboxAdapter(
                name, plugin.capabilities, settings.var_dir / "outbox",
                sender=settings.email_from)
        return adapters


REGISTRY = ChannelRegistry()
REGISTRY.register(ChannelPlugin("email", EMAIL_CAPABILITIES, build_email))
REGISTRY.register(ChannelPlugin("sms", SMS_CAPABILITIES, build_sms_adapter))
REGISTRY.register(ChannelPlugin("whatsapp", WHATSAPP_CAPABILITIES, build_whatsapp_adapter,
                                describe_whatsapp))
if set(REGISTRY.names()) != set(SENDABLE_CHANNELS):
    raise ValueError("every sendable channel in hub.domain.channels needs a registry line")
