"""Staff users (argon2id passwords) and API tokens (stored as SHA-256, shown once)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.domain.common import new_id
from hub.domain.identities import normalise_email
from hub.domain.staff import ApiToken, StaffRole, User
from hub.errors import Conflict, DuplicateKey, InvalidInput
from hub.ports import Store

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
        raise InvalidInput("a token needs a name of 1-100 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await store.tokens.insert(ApiToken(id=new_id(), name=name, role=role,
                                       token_hash=hash_token(token)))
    return token


async def authenticate_token(store: Store, token: str) -> ApiToken | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    found = await store.tokens.get_by_hash(hash_token(token))
    return found if found is not None and found.revoked_at is None else None


async def add_user(store: Store, *, email: str, role: StaffRole, password: str,
                   name: str = "") -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    user = User(id=new_id(), email=normalise_email(email), name=name, role=role,
                password_hash=_hasher.hash(password))
    try:
        await store.users.insert(user)
    except DuplicateKey as exc:
        raise Conflict(f"a user with email {user.email} exists") from exc
    return user


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
