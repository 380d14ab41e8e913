"""Staff users (argon2id passwords), their log-in (throttled) and API tokens (stored as SHA-256,
shown once)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.domain.common import new_id, utcnow
from hub.domain.identities import normalise_email
from hub.domain.staff import ApiToken, StaffRole, User
from hub.errors import Conflict, DuplicateKey, HubError, InvalidInput, NotFound
from hub.i18n import LANGUAGES, N_
from hub.i18n.formats import is_timezone
from hub.ports import Store
from hub.services.login_throttle import LoginThrottle
from hub.services.token_cache import TokenCache

TOKEN_PREFIX = "hub_"
MIN_PASSWORD_LENGTH = 12
FIRST_ADMIN_EMAIL = "admin@localhost.localdomain"
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def generate_password() -> str:
    return secrets.token_urlsafe(15)


async def create_token(store: Store, *, name: str, role: StaffRole) -> str:
    """Store a new token's hash and return the token itself (the only time it is seen)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput(N_("a token needs a name of 1-100 characters"))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await store.tokens.insert(ApiToken(id=new_id(), name=name, role=role,
                                       token_hash=hash_token(token)))
    return token


def _well_formed(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX) and len(token) <= 200


async def authenticate_token(store: Store, token: str) -> ApiToken | None:
    """The valid token, asking the store (`StaffService.authenticate_token` caches)."""
    if not _well_formed(token):
        return None
    found = await store.tokens.get_by_hash(hash_token(token))
    return found if found is not None and found.revoked_at is None else None


async def add_user(store: Store, *, email: str, role: StaffRole, password: str,
                   name: str = "") -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(N_("a password needs at least %(min_password_length)s characters"),
                           params={"min_password_length": MIN_PASSWORD_LENGTH})
    user = User(id=new_id(), email=normalise_email(email), name=name, role=role,
                password_hash=_hasher.hash(password))
    try:
        await store.users.insert(user)
    except DuplicateKey as exc:
        raise Conflict(N_("a user with email %(email)s exists"),
                       params={"email": user.email}) from exc
    return user


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def ensure_first_admin(store: Store) -> tuple[str, str] | None:
    """On an empty store, create an admin; returns (email, one-time password), else None."""
    if await store.users.count() > 0:
        return None
    password = generate_password()
    try:
        await add_user(store, email=FIRST_ADMIN_EMAIL, role="admin", password=password,
                       name="Administrator")
    except Conflict:
        return None  # another process created it first
    return FIRST_ADMIN_EMAIL, password


class LoginRefused(HubError):
    """Wrong email or password, or a disabled account (which is which is not said)."""

    code = "login_refused"
    status = 401


class LoginLocked(HubError):
    """Too many failed attempts for this account or client: wait for the window to pass."""

    code = "login_locked"
    status = 429


class StaffService:
    """Staff users and API tokens for the web layer (the staff UI's admin pages, its session
    guard and login, the API's bearer tokens): one place that reads and changes them."""

    def __init__(self, store: Store, throttle: LoginThrottle | None = None,
                 tokens: TokenCache | None = None) -> None:
        self._store = store
        self._throttle = throttle or LoginThrottle(store)
        self._tokens = tokens or TokenCache()

    async def get_user(self, user_id: str) -> User | None:
        """The enabled user with this id; None when there is none or it is disabled."""
        user = await self._store.users.get(user_id)
        return user if user is not None and not user.disabled else None

    async def log_in(self, email: str, password: str, *, client: str) -> User:
        """The user these credentials name; LoginLocked while the account or the client is
        throttled, LoginRefused (counted as a failure) for anything else that is wrong."""
        if await self._throttle.locked(email, client):
            raise LoginLocked(N_(
                "Too many failed attempts from here. Wait a while and try again."))
        user = await self._store.users.get_by_email(email) if email else None
        if user is None or user.disabled or not password_matches(user, password):
            await self._throttle.failed(email, client)
            raise LoginRefused(N_("Wrong email or password."))
        return user

    async def users(self, *, limit: int = 500) -> list[User]:
        return await self._store.users.find(limit=limit)

    async def tokens(self, *, limit: int = 500) -> list[ApiToken]:
        return await self._store.tokens.find(limit=limit)

    async def add_user(self, *, email: str, role: StaffRole, name: str = "") -> tuple[User, str]:
        """A new user with a generated password, returned this once."""
        password = generate_password()
        return await add_user(self._store, email=email, role=role, password=password,
                              name=name), password

    async def toggle_user(self, user_id: str, *, acting_user_id: str) -> User:
        """Disable an enabled user or enable a disabled one; nobody disables themselves."""
        user = await self._store.users.get(user_id)
        if user is None:
            raise NotFound(N_("There is no such user."), details={"id": user_id})
        if user.id == acting_user_id:
            raise InvalidInput(N_("You cannot disable your own account."))
        changed = user.model_copy(update={"disabled": not user.disabled})
        await self._store.users.replace(changed)
        if changed.disabled:  # re-enabling later must not revive a session from before
            await self._store.staff_sessions.end_for_user(user.id, utcnow())
        return changed

    async def set_preferences(self, user_id: str, *, language: str | None,
                              timezone: str | None) -> User:
        """The user's own UI language (`nl`/`en`, None: the browser's) and time zone (an IANA
        name, None: HUB_TIMEZONE); anything else is refused, nothing half-saved."""
        if language is not None and language not in LANGUAGES:
            raise InvalidInput(N_("Choose Dutch, English or the browser's language."),
                               details={"field": "language"})
        if timezone is not None and not is_timezone(timezone):
            raise InvalidInput(N_("That is not a time zone (for example Europe/Amsterdam)."),
                               details={"field": "timezone"})
        user = await self._store.users.get(user_id)
        if user is None or user.disabled:
            raise NotFound(N_("There is no such user."), details={"id": user_id})
        changed = user.model_copy(update={"language": language, "timezone": timezone})
        await self._store.users.replace(changed)
        return changed

    async def create_token(self, *, name: str, role: StaffRole) -> str:
        return await create_token(self._store, name=name, role=role)

    async def revoke_token(self, token_id: str) -> None:
        try:
            revoked = await self._store.tokens.revoke(token_id)
        finally:  # after the write: a lookup that read before it is voided, not cached
            self._tokens.forget(token_id)
        if not revoked:
            raise NotFound(N_("There is no such token, or it was revoked before."),
                           details={"id": token_id})

    async def authenticate_token(self, token: str) -> ApiToken | None:
        """The valid token: from the token cache (`hub/services/token_cache.py`: a token
        revoked here stops at once, one revoked by another process within a second), else
        from the store."""
        if not _well_formed(token):
            return None
        token_hash = hash_token(token)
        cached = self._tokens.get(token_hash)
        if cached is not None:
            return cached
        asked_at, generation = self._tokens.now(), self._tokens.generation
        found = await self._store.tokens.get_by_hash(token_hash)
        if found is None or found.revoked_at is not None:
            return None
        self._tokens.put(token_hash, found, asked_at=asked_at, generation=generation)
        return found
