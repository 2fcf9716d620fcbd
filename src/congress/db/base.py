"""Declarative base: UUIDv7 keys, created/updated timestamps in UTC."""

from __future__ import annotations

import enum

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import Enum as SAEnum
from sqlalchemy import MetaData


class Base(UUIDv7AuditBase):
    """Every table: a time-ordered UUID key and UTC ``created_at``/``updated_at``."""

    __abstract__ = True


def enum_column(enum_cls: type[enum.Enum]) -> SAEnum:
    """Store an enum as its value in a VARCHAR with a CHECK, portable across databases."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        name=enum_cls.__name__.lower(),
        validate_strings=True,
    )


def metadata() -> MetaData:
    # Import every model so the metadata is complete.
    from congress.db import models  # noqa: F401

    return Base.metadata
