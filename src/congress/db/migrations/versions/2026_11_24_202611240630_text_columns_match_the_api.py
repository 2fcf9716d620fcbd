"""text columns match the API limits

Revision ID: 202611240630
Revises: 202611240610
Create Date: 2026-11-24 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "202611240630"
down_revision: str | None = "202611240610"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("congress") as batch:
        batch.alter_column("city", existing_type=sa.String(100), type_=sa.String(200), existing_nullable=False)
    with op.batch_alter_table("programme_item") as batch:
        batch.alter_column("series", existing_type=sa.String(100), type_=sa.String(200), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("programme_item") as batch:
        batch.alter_column("series", existing_type=sa.String(200), type_=sa.String(100), existing_nullable=True)
    with op.batch_alter_table("congress") as batch:
        batch.alter_column("city", existing_type=sa.String(200), type_=sa.String(100), existing_nullable=False)
