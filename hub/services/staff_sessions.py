"""Staff sessions kept in the store, so they can be ended: log out (this browser), log out
everywhere, an admin ending a user's sessions, a password change (ends the other sessions) and
an admin's one-time password reset link (ends them all).

A session's record id is the SHA-256 of the nonce in the signed cookie: a copied cookie works
only while its record is open, and the database never holds what the cookie holds."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from hub.domain.common import new_id, utcnow
from hub.domain.staff import User
from hub.domain.staff_sessions import PasswordReset, StaffSession
from hub.errors import HubError, InvalidInput, NotFound
from hub.i18n import N_
from hub.ports import Store
from hub.services.staff import MIN_PASSWORD_LENGTH, hash_password, password_matches

TOUCH_EVERY = timedelta(minutes=1)
"""`last_seen_at` is written at most this often per session, not on every request."""
RESET_VALID = timedelta(hours=24)
MAX_PASSWORD_LENGTH = 1024
LISTED = 50


def session_id(nonce: str) -> str:
    return hashlib.sha256(b"hub-staff-session\0" + nonce.encode()).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(b"hub-password-reset\0" + token.encode()).hexdigest()


class WrongPassword(HubError):
    """The current password given to change it was wrong."""

    code = "wrong_password"
    status = 403


class ResetLinkInvalid(HubError):
    """A reset link that is unknown, used, replaced by a newer one, or expired."""

    code = "reset_link_invalid"
    status = 404


def _new_password_ok(password: str, repeated: str) -> None:
    if password != repeated:
        raise InvalidInput(N_("The two new passwords differ."), details={"field": "password"})
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(N_("A password needs at least 12 characters."),
                           details={"field": "password"})


class SessionService:
    def __init__(self, store: Store, *, now: Callable[[], datetime] = utcnow) -> None:
        self._store = store
        self._now = now

    async def start(self, user: User, nonce: str, *, expires_at: datetime, client: str,
                    user_agent: str) -> StaffSession:
        now = self._now()
        session = StaffSession(id=session_id(nonce), user_id=user.id, created_at=now,
                               last_seen_at=now, expires_at=expires_at, client=client[:100],
                               user_agent=user_agent[:300])
        await self._store.staff_sessions.insert(session)
        return session

    async def user_for(self, user_id: str, nonce: str) -> User | None:
        """The enabled user of an open session with this nonce; None when it ended, expired,
        belongs to someone else, or the user is disabled or gone."""
        now = self._now()
        session = await self._store.staff_sessions.get(session_id(nonce))
        if session is None or session.user_id != user_id or not session.active(now):
            return None
        user = await self._store.users.get(user_id)
        if user is None or user.disabled:
            return None
        if now - session.last_seen_at >= TOUCH_EVERY:
            await self._store.staff_sessions.touch(session.id, now)
        return user

    async def end(self, nonce: str) -> None:
        await self._store.staff_sessions.end(session_id(nonce), self._now())

    async def end_all(self, user_id: str, *, keep_nonce: str | None = None) -> int:
        keep = session_id(keep_nonce) if keep_nonce else None
        return await self._store.staff_sessions.end_for_user(user_id, self._now(), keep=keep)

    async def active(self, user_id: str) -> list[StaffSession]:
        return await self._store.staff_sessions.active_for_user(user_id, self._now(),
                                                                limit=LISTED)

    async def change_password(self, user_id: str, *, current: str, new: str, repeated: str,
                              keep_nonce: str) -> None:
        """Needs the current password; ends every other session of the user."""
        user = await self._store.users.get(user_id)
        if user is None or user.disabled:
            raise NotFound(N_("There is no such user."), details={"id": user_id})
        if not password_matches(user, current):
            raise WrongPassword(N_("Your current password is not right."))
        _new_password_ok(new, repeated)
        await self._store.users.replace(
            user.model_copy(update={"password_hash": hash_password(new)}))
        await self.end_all(user_id, keep_nonce=keep_nonce)

    async def issue_reset(self, user_id: str, *, acting_user_id: str) -> str:
        """A one-time reset token for the user (older links stop working), shown once."""
        user = await self._store.users.get(user_id)
        if user is None:
            raise NotFound(N_("There is no such user."), details={"id": user_id})
        now = self._now()
        await self._store.password_resets.cancel_for_user(user_id, now)
        token = secrets.token_urlsafe(32)
        await self._store.password_resets.insert(PasswordReset(
            id=new_id(), user_id=user_id, token_hash=_token_hash(token),
            created_by=acting_user_id, created_at=now, expires_at=now + RESET_VALID))
        return token

    async def reset_user(self, token: str) -> User | None:
        """The user a still usable reset link is for (a GET: nothing changes)."""
        if not token or len(token) > 100:
            return None
        reset = await self._store.password_resets.get_by_hash(_token_hash(token))
        if reset is None or reset.used_at is not None or reset.expires_at <= self._now():
            return None
        user = await self._store.users.get(reset.user_id)
        return user if user is not None and not user.disabled else None

    async def reset_password(self, token: str, *, new: str, repeated: str) -> User:
        """Set a new password through a reset link (used up by this), ending every session."""
        _new_password_ok(new, repeated)
        if await self.reset_user(token) is None:
            raise ResetLinkInvalid(N_("This link is used, expired or replaced by a newer one."))
        reset = await self._store.password_resets.use(_token_hash(token), self._now())
        user = await self._store.users.get(reset.user_id) if reset is not None else None
        if user is None or user.disabled:
            raise ResetLinkInvalid(N_("This link is used, expired or replaced by a newer one."))
        changed = user.model_copy(update={"password_hash": hash_password(new)})
        await self._store.users.replace(changed)
        await self.end_all(user.id)
        return changed
