"""A person's registration for a congress."""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from congress.db.base import Base, enum_column
from congress.enums import RegistrationCategory, RegistrationStatus


class Registration(Base):
    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("congress_id", "person_id", name="uq_registration_congress_person"),)

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    category: Mapped[RegistrationCategory] = mapped_column(enum_column(RegistrationCategory))
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
