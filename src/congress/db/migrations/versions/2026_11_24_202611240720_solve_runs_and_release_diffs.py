"""solve runs and release diffs

Revision ID: 202611240720
Revises: 202611240630
Create Date: 2026-11-24 07:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "202611240720"
down_revision: str | None = "202611240630"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("schedule_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("diff", _json(), nullable=False, server_default=sa.text("'{}'")))

    op.create_table(
        "solve_run",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("congress_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column(
            "status",
            _enum("solvestatus", "queued", "running", "succeeded", "infeasible", "failed", "cancelled"),
            nullable=False,
        ),
        sa.Column("mode", _enum("solvemode", "fresh", "minimal_change"), nullable=False),
        sa.Column("time_limit", sa.Float(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("options", _json(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("started_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("heartbeat_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("finished_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("progress", _json(), nullable=False),
        sa.Column("result", _json(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("version_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["congress_id"], ["congress.id"], name=op.f("fk_solve_run_congress_id_congress"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["schedule_version.id"],
            name=op.f("fk_solve_run_version_id_schedule_version"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_solve_run")),
    )
    with op.batch_alter_table("solve_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_solve_run_congress_id"), ["congress_id"], unique=False)
    op.create_index(
        "uq_solve_run_one_active",
        "solve_run",
        ["congress_id"],
        unique=True,
        sqlite_where=sa.text("status IN ('queued', 'running')"),
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )


def downgrade() -> None:
    op.drop_index("uq_solve_run_one_active", table_name="solve_run")
    with op.batch_alter_table("solve_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_solve_run_congress_id"))
    op.drop_table("solve_run")
    with op.batch_alter_table("schedule_version", schema=None) as batch_op:
        batch_op.drop_column("diff")
