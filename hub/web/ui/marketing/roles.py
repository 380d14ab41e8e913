"""Who may open the marketing pages: marketing (admin passes everywhere); service gets 403."""

from __future__ import annotations

from hub.domain.staff import StaffRole

MARKETING: frozenset[StaffRole] = frozenset({"marketing"})
