"""Users, API tokens (global) and enterprises (tenant-owned)."""
from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ipservice.core.ids import new_id
from ipservice.core.tenancy import TenantScoped
from ipservice.core.types import UTCDateTime, utcnow
from ipservice.extensions import db


class User(UserMixin, db.Model):
    """A login. Global: e-mail is unique across the service; ``tenant_id`` is null for cross_admin."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    # loaded only when asked for (a password check): token authentication never reads it (accounts.tokens)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False, deferred=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Stored in every login session; logout and a password change increase it, so every session made
    # before is refused (the session cookie itself cannot be revoked: it lives in the browser).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    # When the owner proved the address (a verification or reset link used, a claim completed with the mailed
    # code); until then no e-mail but the verification is sent to it (ipservice.accounts.recovery).
    email_verified_at: Mapped[object | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self):
        return self.active


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[object] = mapped_column(UTCDateTime, nullable=False)
    # The page login session that issued it (ends with that session); null: issued for e-mail and password.
    session_id: Mapped[str | None] = mapped_column(String(64))


class AccountLink(db.Model):
    """A single-use link mailed to an account's address: a password reset or an address verification.
    Only the SHA-256 of its token is stored; ``used_at`` is set once, by a conditional UPDATE."""

    __tablename__ = "account_links"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)  # "reset" or "verify"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[object] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[object | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_account_links_user", "user_id", "purpose"),)


class Enterprise(TenantScoped, db.Model):
    """企业 (or university / research institute) registered in a tenant with its 统一社会信用代码."""

    __tablename__ = "enterprises"
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    contact_name: Mapped[str] = mapped_column(String(100), nullable=False)
    contact_phone: Mapped[str] = mapped_column(String(40), nullable=False)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Set when the bureau has verified who the organization is (a claim approved, or papers seen);
    # until then the bureau's pages mark its filings "unverified" (ipservice.organizations).
    verified_at: Mapped[object | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (UniqueConstraint("tenant_id", "uscc"),)
