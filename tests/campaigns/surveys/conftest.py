"""Survey tests run on the Twilio-configured hub of the webhook tests (fake Twilio REST API,
webhooks signed with the SDK's own validator)."""

from tests.web.webhooks.conftest import hub

__all__ = ["hub"]
