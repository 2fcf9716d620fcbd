"""The ``congress`` command: database, users, bundles, solving, exports, serving and the demo."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
import msgspec
from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import sessionmaker

from congress.config import get_settings
from congress.db import migrate
from congress.db.engine import async_session_factory, make_async_engine, make_sync_engine
from congress.db.models import Congress, Person, Room
from congress.domain.accounts.services import issue_token
from congress.domain.attendance.schemas import PurgeReport
from congress.domain.attendance.services import AttendanceService
from congress.domain.badges.services import BadgeService
from congress.domain.bundle.services import BundleInvalid, LoadReport, load_bundle, read_bundle
from congress.domain.exams.schemas import OralSolveRequest, OralSolveResult, SlotRead
from congress.domain.exams.services import ExamService
from congress.domain.exams.solving import OralSolveService
from congress.domain.exports.services import ExportService
from congress.domain.feeds.services import FeedService
from congress.domain.imports.schemas import ImportKind, ImportReport, Placement
from congress.domain.imports.services import ImportService
from congress.domain.schedule.schemas import ReleaseRequest
from congress.domain.schedule.services import VersionService
from congress.domain.solving.schemas import SolveRequest, SolveRunRead
from congress.domain.solving.services import SolveService, solve_run_read
from congress.enums import SolveMode, SolveStatus
from congress.lib.deps import begin_writing
from congress.lib.errors import CongressError, InvalidFile, NotFound
from congress.lib.security import Principal, Role
from congress.publishing.badges import BadgeCard, render_png, render_svg, write_pdf
from congress.publishing.mailer import SmtpSettings, deliver_due, send_forever
from congress.scheduling.jobs import claim, execute, serve_forever

T = TypeVar("T")
console = Console(stderr=True)
# Whoever runs the command on the server acts as an organiser.
OPERATOR = Principal(token_id=uuid.UUID(int=0), role=Role.ORGANISER, person_id=None)


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work(session)`` in one transaction on the configured database."""

    async def main() -> T:
        engine = make_async_engine(get_settings())
        try:
            async with async_session_factory(engine)() as session:
                # Like the API's writers: on SQLite, BEGIN IMMEDIATE queues behind other writers instead of failing.
                await begin_writing(session)
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


def _congress_id(slug: str) -> uuid.UUID:
    async def work(session: AsyncSession) -> uuid.UUID:
        found = await session.scalar(select(Congress.id).where(Congress.slug == slug))
        if found is None:
            raise NotFound(f"No congress with slug '{slug}'")
        return found

    return _run(work)


def _progress_line(figures: dict[str, Any], limit: float) -> str:
    gap = figures.get("gap")
    parts = [f"{figures.get('elapsed', 0):5.1f} s of {limit:g} s"]
    if figures.get("objective") is not None:
        parts.append(f"cost {figures['objective']}")
        parts.append(f"bound {figures['bound']}")
    if gap is not None:
        parts.append(f"gap {100 * gap:.1f} %")
    if figures.get("solutions"):
        parts.append(f"{figures['solutions']} schedules found")
    return " · ".join(parts)


def _print_solve(run: SolveRunRead) -> None:
    result = run.result
    console.print(f"solve run {run.id}: [bold]{run.status}[/bold]", highlight=False)
    if run.error:
        console.print(f"[red]{run.error}[/red]", highlight=False)
    if result is None:
        return
    for e in result.explanations:
        console.print(f"  [yellow]why[/yellow] ({e.code}): {e.message}", highlight=False)
    if result.solver_status in ("optimal", "feasible", "cancelled") and result.terms:
        table = Table(title="soft terms", title_justify="left")
        for column in ("term", "weight", "units", "cost", "costliest"):
            table.add_column(column, justify="left" if column in ("term", "costliest") else "right")
        for t in result.terms:
            table.add_row(t.name, str(t.weight), str(t.units), str(t.cost), t.payers[0].detail if t.payers else "")
        console.print(table)
        gap = f"{100 * result.gap:.2f} %" if result.gap is not None else "-"
        console.print(
            f"placed {result.placed} runs · hard violations {len(result.violations)} · "
            f"cost {result.objective} · bound {result.bound} · gap {gap} · "
            f"first schedule after {result.first_feasible} s · {result.wall_time} s in all",
            highlight=False,
        )
        for v in result.violations:
            console.print(f"  [red]violation[/red] ({v.code}): {v.message}", highlight=False)


def _solve(slug: str, request: SolveRequest, release: bool, note: str) -> SolveRunRead:
    congress_id = _congress_id(slug)

    async def queue(session: AsyncSession) -> uuid.UUID:
        run = await SolveService(session, OPERATOR).start(congress_id, request)
        return run.id

    run_id = _run(queue)
    engine = make_sync_engine(get_settings())
    try:
        if claim(engine, run_id) is None:
            raise click.ClickException("another worker took this solve run")
        with Live(console=console, refresh_per_second=4, transient=True) as live:
            execute(engine, run_id, lambda f: live.update(_progress_line(f, request.time_limit)))
    finally:
        engine.dispose()

    async def read(session: AsyncSession) -> SolveRunRead:
        run = await SolveService(session, OPERATOR).row(congress_id, run_id)
        if release and run.status is SolveStatus.SUCCEEDED and run.version_id is not None:
            released = await VersionService(session, OPERATOR).release(
                congress_id, run.version_id, ReleaseRequest(note=note), get_settings().public_base_url
            )
            console.print(f"released as version {released.number}", highlight=False)
        return solve_run_read(run)

    return _run(read)


@main.command("solve")
@click.option("--congress", "slug", required=True, help="The congress's slug")
@click.option("--time-limit", type=click.FloatRange(1, 3600), default=30.0, show_default=True, help="Seconds")
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True)
@click.option(
    "--mode",
    type=click.Choice([m.value for m in SolveMode]),
    default=SolveMode.FRESH.value,
    show_default=True,
    help="minimal_change stays close to the latest release",
)
@click.option("--release", is_flag=True, help="Release the result as the next version")
@click.option("--note", default="", help="The release note")
def solve(slug: str, time_limit: float, workers: int, seed: int, mode: str, release: bool, note: str) -> None:
    """Solve a congress's programme into its draft, with live progress; optionally release it."""
    request = SolveRequest(mode=SolveMode(mode), time_limit=time_limit, workers=workers, seed=seed)
    run = _solve(slug, request, release, note)
    _print_solve(run)
    if run.status is not SolveStatus.SUCCEEDED:
        raise SystemExit(1)


@main.group()
def exams() -> None:
    """The EDiMSK diploma: scheduling the oral exams."""


def _solve_orals(slug: str, request: OralSolveRequest) -> tuple[OralSolveResult, list[SlotRead]]:
    congress_id = _congress_id(slug)

    async def work(session: AsyncSession) -> tuple[OralSolveResult, list[SlotRead]]:
        with Live(console=console, refresh_per_second=4, transient=True) as live:
            result = await OralSolveService(session, OPERATOR).solve(
                congress_id,
                request,
                on_progress=lambda p: live.update(_progress_line(msgspec.to_builtins(p), request.time_limit)),
            )
        slots = await ExamService(session, OPERATOR).list_slots(congress_id)
        return result, slots

    return _run(work)


def _print_orals(result: OralSolveResult, slots: list[SlotRead]) -> None:
    console.print(
        f"orals: [bold]{result.status}[/bold] · {result.scheduled} candidates scheduled · "
        f"{result.kept} slots unchanged · {len(result.moved)} moved · cost {result.objective} · "
        f"bound {result.bound} · {result.wall_time} s",
        highlight=False,
    )
    for e in result.explanations:
        console.print(f"  [yellow]why[/yellow] ({e.code}): {e.message}", highlight=False)
    for u in result.unscheduled:
        console.print(f"  [yellow]not scheduled[/yellow]: {u.candidate}: {u.reason}", highlight=False)
    for m in result.moved:
        console.print(f"  moved: {m.candidate}: {m.before} -> {m.after}", highlight=False)
    if result.terms:
        table = Table(title="soft terms", title_justify="left")
        for column in ("term", "weight", "units", "cost"):
            table.add_column(column, justify="left" if column == "term" else "right")
        for t in result.terms:
            table.add_row(t.name, str(t.weight), str(t.units), str(t.cost))
        console.print(table)
    if slots:
        load: dict[str, list[str]] = {}
        for slot in slots:
            for member in slot.panel:
                load.setdefault(member.name, []).append(slot.starts_at.strftime("%a %H:%M"))
        table = Table(title="examiners", title_justify="left")
        for column in ("examiner", "slots", "first", "last"):
            table.add_column(column, justify="left" if column == "examiner" else "right")
        for name, times in sorted(load.items()):
            table.add_row(name, str(len(times)), times[0], times[-1])
        console.print(table)


@exams.command("solve")
@click.option("--congress", "slug", required=True, help="The congress's slug")
@click.option("--time-limit", type=click.FloatRange(0.5, 120), default=10.0, show_default=True, help="Seconds")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True)
@click.option(
    "--mode",
    type=click.Choice(["fresh", "minimal_change"]),
    default="minimal_change",
    show_default=True,
    help="minimal_change keeps the current slots where it can (pinned slots always stay)",
)
def exams_solve(slug: str, time_limit: float, seed: int, mode: str) -> None:
    """Schedule the oral exams of a congress's diploma sitting, with live progress and a summary."""
    request = OralSolveRequest(mode="fresh" if mode == "fresh" else "minimal_change", time_limit=time_limit, seed=seed)
    result, slots = _solve_orals(slug, request)
    _print_orals(result, slots)
    if result.status not in ("optimal", "feasible", "nothing_to_schedule"):
        raise SystemExit(1)


@main.group()
def badges() -> None:
    """Signed QR badges."""


@badges.command("export")
@click.option("--congress", "slug", required=True, help="The congress's slug")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), required=True)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True, help="Output directory")
def badges_export(slug: str, fmt: str, out: Path) -> None:
    """Every active badge: one PNG or SVG per badge (named by badge id), or printable A4 PDF sheets.

    Badges are issued first to active registrations that have none."""

    async def work(session: AsyncSession) -> list[tuple[uuid.UUID, BadgeCard]]:
        congress = await _congress_by_slug(session, slug)
        service = BadgeService(session, OPERATOR)
        report = await service.issue_all(congress.id)
        if report.issued:
            console.print(f"issued {report.issued} new badges (key {report.kid})", highlight=False)
        return await service.cards(congress.id)

    cards = _run(work)
    if not cards:
        raise click.ClickException("no active badges to export")
    out.mkdir(parents=True, exist_ok=True)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task(f"{fmt.upper()} badges", total=len(cards))
        if fmt == "pdf":
            target = out / f"{slug}-badges.pdf"
            part = target.with_name(target.name + ".part")
            with part.open("wb") as handle:
                summary = write_pdf(
                    (card for _, card in cards), handle, lambda done: progress.update(task, completed=done)
                )
            part.replace(target)
            console.print(f"wrote {summary.cards} badges on {summary.pages} pages to {target}", highlight=False)
            return
        render = render_png if fmt == "png" else render_svg
        for done, (badge_id, card) in enumerate(cards, start=1):
            (out / f"{badge_id}.{fmt}").write_bytes(render(card.token))
            progress.update(task, completed=done)
    console.print(f"wrote {len(cards)} {fmt.upper()} badges to {out}", highlight=False)


@main.group()
def scans() -> None:
    """Door scans and their retention."""


@scans.command("purge")
@click.option("--congress", "slug", required=True, help="The congress's slug")
@click.option(
    "--retention-days",
    type=click.IntRange(0, 3650),
    default=90,
    show_default=True,
    help="Keep raw scans this many days after the congress's last day",
)
def scans_purge(slug: str, retention_days: int) -> None:
    """Freeze every CME statement, then delete the raw scans (certificates stay verifiable, byte for byte)."""

    async def work(session: AsyncSession) -> PurgeReport | None:
        congress = await _congress_by_slug(session, slug)
        due = congress.last_day + dt.timedelta(days=retention_days)
        if dt.datetime.now(dt.UTC).date() <= due:
            console.print(f"{slug}: raw scans are kept until {due.isoformat()}; nothing purged", highlight=False)
            return None
        return await AttendanceService(session, OPERATOR).purge(congress.id)

    report = _run(work)
    if report is not None:
        console.print(
            f"{slug}: froze {report.statements_frozen} CME statements, deleted {report.scans_deleted} raw scans",
            highlight=False,
        )


IMPORT_KINDS = [k.value for k in ImportKind] + ["calendar", "frab"]


@main.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--congress", "slug", required=True, help="The congress's slug")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing")
@click.option("--delete-missing", is_flag=True, help="Delete what the file no longer lists (tables only)")
@click.option("--sheet", default=None, help="XLSX: the sheet to read (default: the first)")
@click.option("--person", "email", default=None, help="calendar: whose calendar it is (e-mail)")
@click.option(
    "--placement",
    type=click.Choice([p.value for p in Placement]),
    default=Placement.HINTS.value,
    show_default=True,
    help="frab: put the times into the draft as hints, as pins, or not at all",
)
def import_file(
    kind: str,
    file: Path,
    slug: str,
    dry_run: bool,
    delete_missing: bool,
    sheet: str | None,
    email: str | None,
    placement: str,
) -> None:
    """Import a CSV/XLSX table, a calendar (ICS) or a frab schedule; every problem is listed, and nothing is
    written while one remains."""
    if kind == "calendar" and email is None:
        raise click.UsageError("A calendar import needs --person EMAIL")
    data = file.read_bytes()

    async def work(session: AsyncSession) -> ImportReport:
        try:
            return await attempt(session)
        except InvalidFile as exc:
            problems = list(exc.problems)
            return ImportReport(
                file=file.name,
                dry_run=dry_run,
                written=False,
                read_as="",
                rows=0,
                counts={},
                ignored_columns=[],
                problems=problems,
            )

    async def attempt(session: AsyncSession) -> ImportReport:
        congress = await _congress_by_slug(session, slug)
        imports = ImportService(session, OPERATOR)
        if kind == "calendar":
            person = await session.scalar(select(Person).where(Person.email == (email or "").strip().lower()))
            if person is None:
                raise NotFound(f"No person with e-mail '{email}'")
            return await imports.calendar(congress.id, person.id, data, file.name, dry_run=dry_run)
        if kind == "frab":
            return await imports.frab(congress.id, data, file.name, placement=Placement(placement), dry_run=dry_run)
        return await imports.table(
            congress.id,
            ImportKind(kind),
            data,
            file.name,
            sheet=sheet,
            dry_run=dry_run,
            delete_missing=delete_missing,
        )

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        progress.add_task(f"{'checking' if dry_run else 'importing'} {file.name} ({len(data):,} bytes)", total=None)
        report = _run(work)
    _print_import(report)
    if report.problems:
        raise SystemExit(1)


def _print_problems(problems: Sequence[Any]) -> None:
    """Every problem of a file: where (file, sheet, row, column), its code and its sentence."""
    for problem in problems:
        where = ", ".join(
            part
            for part in (
                problem.file,
                problem.sheet and f"sheet {problem.sheet}",
                problem.row and f"row {problem.row}",
                problem.column and f"column {problem.column!r}",
            )
            if part
        )
        console.print(f"[red]{where}[/red] ({problem.code}): {problem.message}", highlight=False, soft_wrap=True)


def _print_import(report: ImportReport) -> None:
    _print_problems(report.problems)
    table = Table(title=f"{report.file} ({report.read_as}, {report.rows} rows)")
    for column in ("", "created", "updated", "unchanged", "deleted"):
        table.add_column(column, justify="right" if column else "left")
    for what, counts in report.counts.items():
        table.add_row(what, str(counts.created), str(counts.updated), str(counts.unchanged), str(counts.deleted))
    console.print(table)
    if report.ignored_columns:
        console.print(f"ignored columns: {', '.join(report.ignored_columns)}", highlight=False)
    state = "written" if report.written else ("dry run: nothing written" if report.dry_run else "nothing written")
    console.print(f"{len(report.problems)} problem(s); {state}", highlight=False)


@main.group()
def export() -> None:
    """Write the latest release to a file: iCalendar, frab/c3voc schedule, CSV or XLSX."""


def _write(out: Path, body: bytes, what: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(body)
    tmp.replace(out)
    console.print(f"wrote {what} to {out} ({len(body):,} bytes)", highlight=False)


@export.command("ical")
@click.option("--congress", "slug", required=True, help="The congress's slug")
@click.option("--person", "email", default=None, help="One person's feed (by e-mail): faculty duties, seats, stars")
@click.option("--room", default=None, help="One room's events (by name)")
@click.option("--topic", default=None, help="One topic's events")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True)
def export_ical(slug: str, email: str | None, room: str | None, topic: str | None, out: Path) -> None:
    """An iCalendar file of the whole programme, one room, one topic, or one person."""
    if email is not None and (room is not None or topic is not None):
        raise click.UsageError("--person cannot be combined with --room or --topic")
    base_url = get_settings().public_base_url

    async def work(session: AsyncSession) -> bytes:
        congress = await _congress_by_slug(session, slug)
        feeds = FeedService(session, OPERATOR)
        if email is not None:
            person = await session.scalar(select(Person).where(Person.email == email.strip().lower()))
            if person is None:
                raise NotFound(f"No person with e-mail '{email}'")
            rendered = await feeds.person_feed(congress.id, person.id, base_url)
        else:
            room_id = None
            if room is not None:
                room_id = await session.scalar(
                    select(Room.id).where(Room.congress_id == congress.id, Room.name == room)
                )
                if room_id is None:
                    raise NotFound(f"No room named '{room}' in {slug}")
            rendered = await feeds.public(congress.id, room_id, topic, base_url, None, None)
        assert rendered.body is not None
        return rendered.body

    _write(out, _run(work), "the calendar")


@export.command("frab")
@click.option("--congress", "slug", required=True, help="The congress's slug")
@click.option("--format", "fmt", type=click.Choice(["json", "xml"]), default="json", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True)
def export_frab(slug: str, fmt: str, out: Path) -> None:
    """The latest release as a frab/c3voc schedule.json or schedule.xml."""
    _write(out, _export(slug, fmt), f"schedule.{fmt}")


@export.command("table")
@click.option("--congress", "slug", required=True, help="The congress's slug")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True)
def export_table(slug: str, fmt: str, out: Path) -> None:
    """The latest release as a spreadsheet for organisers (CSV or XLSX)."""
    _write(out, _export(slug, fmt), f"the {fmt.upper()} programme")


def _export(slug: str, kind: str) -> bytes:
    async def work(session: AsyncSession) -> bytes:
        congress = await _congress_by_slug(session, slug)
        return (await ExportService(session, OPERATOR).export(congress.id, kind, get_settings().public_base_url)).body

    return _run(work)


async def _congress_by_slug(session: AsyncSession, slug: str) -> Congress:
    congress = await session.scalar(select(Congress).where(Congress.slug == slug))
    if congress is None:
        raise NotFound(f"No congress with slug '{slug}'")
    return congress


@main.group()
def outbox() -> None:
    """Deliver the change notices releases write (SMTP settings: CONGRESS_SMTP_*)."""


@outbox.command("send")
@click.option("--once", is_flag=True, help="Deliver what is due now, then stop")
@click.option("--poll", type=click.FloatRange(1, 3600), default=30.0, show_default=True, help="Seconds between rounds")
def outbox_send(once: bool, poll: float) -> None:
    """Send due notices; failures are retried with backoff, nothing is sent twice."""
    try:
        smtp = SmtpSettings.from_env(os.environ)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if smtp is None:
        raise click.UsageError("No mail server is configured: set CONGRESS_SMTP_HOST and CONGRESS_SMTP_FROM")
    engine = make_sync_engine(get_settings())
    sessions = sessionmaker(engine, expire_on_commit=False)
    try:
        if once:
            report = deliver_due(sessions, smtp)
            console.print(
                f"sent {report.sent}, to retry {report.retried}, failed {report.failed}, uncertain {report.uncertain}",
                highlight=False,
            )
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            send_forever(sessions, smtp, poll_seconds=poll, stop=stop)
        except KeyboardInterrupt:
            stop.set()
    finally:
        engine.dispose()


@main.command("worker")
@click.option("--once", is_flag=True, help="Run the queued jobs, then stop")
def worker(once: bool) -> None:
    """Take queued solve runs one after another (for CONGRESS_SOLVE_JOBS=external)."""
    engine = make_sync_engine(get_settings())
    try:
        done = serve_forever(engine, once=once)
    finally:
        engine.dispose()
    console.print(f"{done} solve run(s) done")


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
@click.option(
    "--time-limit", type=click.FloatRange(1, 3600), default=20.0, show_default=True, help="Seconds for the solve"
)
def demo(bundle_path: Path, serve_after: bool, time_limit: float) -> None:
    """Migrate, load the demo congress (replacing it), solve and release it, issue an organiser token, serve."""
    settings = get_settings()
    migrate.upgrade(settings.sync_database_url)
    try:
        report = _load(bundle_path, replace=True)
    except BundleInvalid as exc:
        console.print(f"[red]error[/red]: {exc.detail}", highlight=False)
        raise SystemExit(2) from exc
    _print_report(report)
    run = _solve(report.slug, SolveRequest(time_limit=time_limit, seed=1), release=True, note="Version 1")
    _print_solve(run)
    if run.status is not SolveStatus.SUCCEEDED:
        raise SystemExit(1)
    if report.counts.get("diploma applications"):
        orals, slots = _solve_orals(report.slug, OralSolveRequest(mode="fresh", time_limit=10, seed=1))
        _print_orals(orals, slots)
        if orals.status not in ("optimal", "feasible"):
            raise SystemExit(1)
    issued = _run(lambda session: BadgeService(session, OPERATOR).issue_all(uuid.UUID(report.congress_id)))
    console.print(f"badges: issued {issued.issued} signed badges (key {issued.kid})", highlight=False)
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
                f"  schedule:     {base}/api/congresses/{report.congress_id}/versions",
                f"  calendar:     {base}/api/congresses/{report.congress_id}/calendar.ics",
                f"  frab:         {base}/api/congresses/{report.congress_id}/schedule.json",
                f"  diploma:      {base}/api/congresses/{report.congress_id}/exam",
                f"  badges:       curl -H 'Authorization: Bearer {token}' "
                f"{base}/api/congresses/{report.congress_id}/badges",
                "",
            ]
        ),
        highlight=False,
        soft_wrap=True,
    )
    if serve_after:
        _serve(None, None, 1)


# --- CoSPLib benchmark instances ----------------------------------------------------------------------------------


@main.group()
def cosplib() -> None:
    """Solve and score CoSPLib conference-scheduling workbooks (docs/cosplib.md)."""


def _cosplib_problems(problems: list[Any]) -> None:
    """Print every problem of a workbook (file, sheet, row, column) and stop with exit code 1."""
    _print_problems(problems)
    raise SystemExit(1)


def _cosplib_instance(path: Path) -> Any:
    from importers.cosplib import read_instance

    parsed = read_instance(path.read_bytes(), path.name)
    if parsed.instance is None:
        _cosplib_problems(parsed.problems)
    return parsed.instance


def _cosplib_print_score(score: Any) -> None:
    """Every family (upstream's name, weight, violations, weighted value) and the total, on standard output."""
    out = Console(highlight=False, soft_wrap=True, width=110)
    table = Table(title="score (upstream's checker)", title_justify="left")
    for column in ("family", "weight", "violations", "value"):
        table.add_column(column, justify="left" if column == "family" else "right")
    for family in score.families:
        weight = "-" if family.weight is None else str(family.weight)
        value = f"{family.value:,}" if family.counted else "not counted"
        table.add_row(family.name, weight, f"{family.violations:,}", value)
    out.print(table)
    out.print(f"total {score.total:,}")
    if not score.all_scheduled:
        out.print("not every submission is scheduled in as many time slots as it needs")
    if not score.tracks_consistent:
        out.print("some submissions are not in a room of their own track")


@cosplib.command("score")
@click.argument("instance_file", metavar="INSTANCE.xlsx", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("solution_file", metavar="SOLUTION.xlsx", type=click.Path(path_type=Path, dir_okay=False, exists=True))
def cosplib_score(instance_file: Path, solution_file: Path) -> None:
    """Score a schedule as upstream's checker does: every family and the total."""
    from importers.cosplib import read_solution
    from importers.cosplib_score import score

    instance = _cosplib_instance(instance_file)
    parsed = read_solution(solution_file.read_bytes(), solution_file.name, instance)
    if parsed.solution is None:
        _cosplib_problems(parsed.problems)
        return
    _cosplib_print_score(score(instance, parsed.solution))


@cosplib.command("solve")
@click.argument("instance_file", metavar="INSTANCE.xlsx", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--time-limit", type=click.FloatRange(1, 3600), required=True, help="Seconds")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True)
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True)
@click.option(
    "--out",
    "out_file",
    metavar="SOLUTION.xlsx",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Where to write the schedule (sheet 'sol')",
)
def cosplib_solve(instance_file: Path, time_limit: float, seed: int, workers: int, out_file: Path) -> None:
    """Schedule every submission with the programme engine, write the schedule and print its score."""
    from importers.cosplib import read_solution, write_solution
    from importers.cosplib_score import score
    from importers.cosplib_solve import solve as solve_cosplib

    instance = _cosplib_instance(instance_file)
    with Live(console=console, refresh_per_second=4, transient=True) as live:
        solved = solve_cosplib(
            instance,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            on_progress=lambda p: live.update(_progress_line(msgspec.to_builtins(p), time_limit)),
        )
    if solved is None:
        raise click.ClickException(f"no schedule found for {instance_file.name} within {time_limit:g} s")
    data = write_solution(instance, solved.solution)
    out_file.write_bytes(data)
    # The score printed is the checker's score of the workbook written, read back.
    written = read_solution(data, out_file.name, instance)
    if written.solution is None:
        _cosplib_problems(written.problems)
        return
    result = score(instance, written.solution)
    engine = solved.engine
    console.print(
        f"{instance_file.name}: {engine.status} · first schedule after {engine.first_feasible} s · "
        f"{engine.solutions} schedules · {engine.wall_time} s in all · written to {out_file}",
        highlight=False,
        soft_wrap=True,
    )
    _cosplib_print_score(result)
    if not result.all_scheduled:
        raise SystemExit(1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
