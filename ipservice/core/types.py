"""Column types and serialization shared by every area."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from marshmallow import fields
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

CHINA = ZoneInfo("Asia/Shanghai")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today_china() -> dt.date:
    return dt.datetime.now(CHINA).date()


def china_time(moment: dt.datetime | None) -> str:
    """A stored time as China time to the minute, ``2026-11-25 17:30`` ("" for none): pages and exports."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


class UTCDateTime(TypeDecorator):
    """Stored as UTC (naive on SQLite, timestamptz on PostgreSQL), always returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use utcnow()")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class ChinaDateTime(fields.DateTime):
    """Serialized in China Standard Time with its offset (+08:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(CHINA).isoformat(timespec="seconds")
