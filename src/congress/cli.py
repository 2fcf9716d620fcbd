"""The ``congress`` command: database, users, bundles, serving and the demo."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from congress.config import get_settings
from congress.db import migrate
from congress.db.engine import async_session_factory, make_async_engine
from congress.domain.accounts.services import issue_token
from congress.domain.bundle.services import BundleInvalid, LoadReport, load_bundle, read_bundle
from congress.lib.errors import CongressError
from congress.lib.security import Role

T = TypeVar("T")
console = Console(stderr=True)


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work(session)`` in one transaction on the configured database."""

    async def main() -> T:
        engine = make_async_engine(get_settings())
        try:
            async with async_session_factory(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except CongressError as exc:
        console.print(f"[red]error[/red] ({exc.code}): {exc.detail}", highlight=False)
        raise SystemExit(2) from exc


@click.group()
@click.version_option(package_name="congress")
def main() -> None:
    """Scheduling and session management for radiology congresses."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    migrate.upgrade(get_settings().sync_database_url, revision)
    console.print(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION ('base' empties it)."""
    migrate.downgrade(get_settings().sync_database_url, revision)


@db.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    migrate.new_revision(get_settings().sync_database_url, message)


@main.group()
def users() -> None:
    """People who use the API, and their tokens."""


def _create_organiser(name: str) -> str:
    async def work(session: AsyncSession) -> str:
        token, _ = await issue_token(session, name, Role.ORGANISER)
        return token

    return _run(work)


@users.command("create-organiser")
@click.option("--name", default="organiser", show_default=True, help="A label for the token")
def create_organiser(name: str) -> None:
    """Issue an organiser token and print it once (only its digest is stored)."""
    click.echo(_create_organiser(name))


def _load(path: Path, replace: bool) -> LoadReport:
    bundle = read_bundle(path)

    async def work(session: AsyncSession) -> LoadReport:
        return await load_bundle(session, bundle, source=str(path), replace=replace)

    return _run(work)


def _print_report(report: LoadReport) -> None:
    table = Table(title=f"loaded {report.slug}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in report.counts.items():
        table.add_row(key, str(value))
    console.print(table)


@main.command("load")
@click.argument("bundle", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--replace", is_flag=True, help="Replace a congress with the same slug")
def load(bundle: Path, replace: bool) -> None:
    """Load a whole congress from a JSON or YAML BUNDLE (all or nothing)."""
    try:
        report = _load(bundle, replace)
    except BundleInvalid as exc:
        console.print(f"[red]error[/red]: {exc.detail}", highlight=False)
        raise SystemExit(2) from exc
    _print_report(report)


@main.command("serve")
@click.option("--host", default=None, help="Default: CONGRESS_HOST or 127.0.0.1")
@click.option("--port", type=int, default=None, help="Default: PORT or 8000")
@click.option("--workers", type=int, default=1, show_default=True)
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Serve the API."""
    _serve(host, port, workers)


def _serve(host: str | None, port: int | None, workers: int) -> None:
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "congress.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,
    )


@main.command("demo")
@click.option(
    "--bundle",
    "bundle_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    required=True,
    help="The demo bundle (make demo writes it with examples/demo.py)",
)
@click.option("--serve/--no-serve", "serve_after", default=True, show_default=True)
def demo(bundle_path: Path, serve_after: bool) -> None:
    """Migrate, load the demo congress (replacing it), issue an organiser token, serve."""
    settings = get_settings()
    migrate.upgrade(settings.sync_database_url)
    try:
        report = _load(bundle_path, replace=True)
    except BundleInvalid as exc:
        console.print(f"[red]error[/red]: {exc.detail}", highlight=False)
        raise SystemExit(2) from exc
    _print_report(report)
    token = _create_organiser("demo organiser")
    base = settings.public_base_url
    console.print(
        "\n".join(
            [
                "",
                f"[bold]congress[/bold] demo: {report.slug} is loaded.",
                f"  organiser token (shown once): [bold]{token}[/bold]",
                f"  API docs:     {base}/schema",
                f"  health:       {base}/health",
                f"  congresses:   {base}/api/congresses",
                f"  programme:    curl -H 'Authorization: Bearer {token}' "
                f"{base}/api/congresses/{report.congress_id}/items",
                "",
            ]
        ),
        highlight=False,
        soft_wrap=True,
    )
    if serve_after:
        _serve(None, None, 1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
