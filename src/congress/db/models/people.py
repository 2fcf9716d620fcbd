"""People and their society memberships."""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from congress.db.base import Base, enum_column
from congress.enums import MembershipType, Society


class Person(Base):
    __tablename__ = "person"

    name: Mapped[str] = mapped_column(String(200))
    # Stored lower-cased; unique across the installation.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    institution: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str | None] = mapped_column(String(2), default=None)


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("person_id", "society", "year", name="uq_membership_person_society_year"),
        CheckConstraint("year BETWEEN 1900 AND 2200", name="year"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    society: Mapped[Society] = mapped_column(enum_column(Society))
    type: Mapped[MembershipType] = mapped_column(enum_column(MembershipType))
    year: Mapped[int] = mapped_column(Integer)
