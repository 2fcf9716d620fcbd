"""The outbox sender against a real local SMTP server: delivered once, retried with backoff, never resent blindly."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import email
import email.policy
import smtplib
import socket
import threading
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from congress.db.models import Congress, OutboxMessage, Person
from congress.enums import OutboxStatus
from congress.publishing.mailer import (
    BACKOFF,
    MAX_ATTEMPTS,
    STALE_AFTER,
    SmtpSettings,
    build_message,
    deliver_due,
    requeue,
    send_forever,
)

UTC = dt.UTC
T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SENDER = "ESSR 2026 <programme@essr.example.org>"
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//congress//EN\r\nBEGIN:VEVENT\r\n"
    "UID:0190a000.1@essr-2026.congress\r\nSEQUENCE:2\r\nSUMMARY:Schulter-MRT für Zoë\r\n"
    "DTSTART:20261024T070000Z\r\nDTEND:20261024T083000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@dataclasses.dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class Recorder:
    """aiosmtpd handler: keeps what it accepts; refuses or drops for chosen recipients."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.rcpt_replies: dict[str, str] = {}
        self.data_replies: dict[str, str] = {}
        self.drop: set[str] = set()
        self.drop_at_rcpt: set[str] = set()
        self.port = 0
        self.lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802 - the hook name aiosmtpd calls
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.drop_at_rcpt:
            # Hang up in the envelope: nothing of the message has been transferred.
            server.transport.close()
            return "451 4.3.0 dropped"
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        recipients = tuple(envelope.rcpt_tos)
        if self.drop.intersection(recipients):
            # Hang up before answering: the client never learns the message was accepted, because it was not.
            server.transport.close()
            return "451 4.3.0 dropped"
        for address in recipients:
            if address in self.data_replies:
                return self.data_replies[address]
        with self.lock:
            self.received.append(Received(envelope.mail_from, recipients, envelope.content))
        return "250 2.0.0 Queued"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(r.message["Message-ID"]) for r in self.received]


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, delta: dt.timedelta) -> None:
        self.at += delta


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server() -> Iterator[Recorder]:
    recorder = Recorder()
    # server_hostname spares a reverse DNS lookup (socket.getfqdn) per connection.
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), server_hostname="mx.test")
    controller.start()
    recorder.port = controller.port
    try:
        yield recorder
    finally:
        controller.stop()


@pytest.fixture
def smtp(server: Recorder) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=server.port, starttls=False, sender=SENDER, timeout=5)


@pytest.fixture
def sessions(clean_db: Engine) -> sessionmaker[Session]:
    return sessionmaker(clean_db)


@dataclasses.dataclass
class Outbox:
    """Writes outbox rows for one congress, as a release would."""

    sessions: sessionmaker[Session]
    congress_id: uuid.UUID
    release: int = 0

    def add(self, *, recipient: str | None = None, **fields: Any) -> uuid.UUID:
        self.release += 1
        row_id = uuid.uuid4()
        with self.sessions() as session, session.begin():
            address = recipient or f"person-{self.release}@example.org"
            person = Person(name=f"Person {self.release}", email=f"{self.release}-{uuid.uuid4().hex[:8]}@example.org")
            session.add(person)
            session.flush()
            values: dict[str, Any] = {
                "id": row_id,
                "congress_id": self.congress_id,
                "person_id": person.id,
                "release": self.release,
                "recipient": address,
                "subject": f"ESSR 2026: programme changes for you (release {self.release})",
                "body": "Dear Zoë,\n\nyour session moved to Hall A.\n.\nA line with a lone dot above.\n",
                "attachment_name": f"essr-2026-release-{self.release}.ics",
                "attachment": ICS,
                "message_id": f"<{uuid.uuid4()}@essr-2026.congress>",
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": T0,
            } | fields
            session.add(OutboxMessage(**values))
        return row_id

    def get(self, row_id: uuid.UUID) -> OutboxMessage:
        with self.sessions() as session:
            row = session.get_one(OutboxMessage, row_id)
            session.expunge(row)
            return row

    def statuses(self) -> collections.Counter[OutboxStatus]:
        with self.sessions() as session:
            return collections.Counter(session.scalars(select(OutboxMessage.status)).all())


@pytest.fixture
def outbox(sessions: sessionmaker[Session]) -> Outbox:
    with sessions() as session, session.begin():
        congress = Congress(
            slug=f"essr-{uuid.uuid4().hex[:8]}",
            name="ESSR 2026",
            time_zone="Europe/Vienna",
            first_day=dt.date(2026, 10, 22),
            last_day=dt.date(2026, 10, 24),
            day_start=dt.time(8, 0),
            day_end=dt.time(18, 0),
        )
        session.add(congress)
        session.flush()
        congress_id = congress.id
    return Outbox(sessions, congress_id)


def test_deliver_due_sends_a_due_message_once_with_headers_body_and_calendar(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    row_id = outbox.add(recipient="zoe@example.org")
    row = outbox.get(row_id)

    report = deliver_due(sessions, smtp, now=Clock(T0))

    assert (report.sent, report.retried, report.failed, report.uncertain) == (1, 0, 0, 0)
    [received] = server.received
    assert received.mail_from == "programme@essr.example.org"
    assert received.rcpt_tos == ("zoe@example.org",)
    message = received.message
    assert message["Message-ID"] == row.message_id
    assert message["Subject"] == row.subject
    assert message["To"] == "zoe@example.org"
    assert message["From"] == SENDER
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"].datetime == row.created_at.replace(microsecond=0)
    body = message.get_body(("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n") == row.body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("charset") == "utf-8"
    assert attachment.get_param("method") is None
    assert attachment.get_filename() == row.attachment_name
    assert attachment.get_content() == ICS
    stored = outbox.get(row_id)
    assert (stored.status, stored.attempts, stored.sent_at, stored.claimed_at) == (OutboxStatus.SENT, 1, T0, T0)
    assert stored.last_error == ""


def test_build_message_without_attachment_is_plain_text(outbox: Outbox) -> None:
    row = outbox.get(outbox.add(attachment="", attachment_name=""))

    message = build_message(row, SENDER)

    assert message.get_content_type() == "text/plain"
    assert not message.is_multipart()
    assert message["Message-ID"] == row.message_id


def test_deliver_due_run_twice_sends_nothing_twice(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    ids = [outbox.add() for _ in range(3)]
    clock = Clock(T0)

    first = deliver_due(sessions, smtp, now=clock)
    clock.advance(dt.timedelta(days=30))
    second = deliver_due(sessions, smtp, now=clock)

    assert (first.sent, second.sent, second.handled) == (3, 0, 0)
    assert sorted(server.message_ids()) == sorted(outbox.get(i).message_id for i in ids)


def test_deliver_due_leaves_messages_not_yet_due(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    later = outbox.add(next_attempt_at=T0 + dt.timedelta(minutes=5))

    assert deliver_due(sessions, smtp, now=Clock(T0)).handled == 0
    assert server.received == []
    assert outbox.get(later).status is OutboxStatus.PENDING


def test_deliver_due_limit_caps_a_run(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    for _ in range(3):
        outbox.add()

    assert deliver_due(sessions, smtp, now=Clock(T0), limit=2).sent == 2
    assert outbox.statuses() == {OutboxStatus.SENT: 2, OutboxStatus.PENDING: 1}


def test_deliver_due_reschedules_on_451_and_succeeds_later(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    row_id = outbox.add(recipient="busy@example.org")
    server.rcpt_replies["busy@example.org"] = "451 4.7.1 Greylisted, try again later"
    clock = Clock(T0)

    report = deliver_due(sessions, smtp, now=clock)

    assert (report.sent, report.retried) == (0, 1)
    row = outbox.get(row_id)
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.PENDING, 1, T0 + BACKOFF[0])
    assert row.last_error.startswith("451 4.7.1 Greylisted")
    assert server.received == []
    # Not due again before its backoff has passed.
    clock.advance(BACKOFF[0] - dt.timedelta(seconds=1))
    assert deliver_due(sessions, smtp, now=clock).handled == 0

    del server.rcpt_replies["busy@example.org"]
    clock.advance(dt.timedelta(seconds=1))
    assert deliver_due(sessions, smtp, now=clock).sent == 1

    row = outbox.get(row_id)
    assert (row.status, row.attempts, row.sent_at, row.last_error) == (OutboxStatus.SENT, 2, clock.at, "")
    assert server.message_ids() == [row.message_id]


def test_deliver_due_backs_off_by_attempts_and_fails_when_out_of_attempts(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    row_id = outbox.add(recipient="full@example.org")
    server.data_replies["full@example.org"] = "452 4.2.2 Mailbox full"
    clock = Clock(T0)
    waits = []

    for attempt in range(1, MAX_ATTEMPTS):
        assert deliver_due(sessions, smtp, now=clock).retried == 1
        row = outbox.get(row_id)
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, attempt)
        waits.append(row.next_attempt_at - clock.at)
        clock.at = row.next_attempt_at
    report = deliver_due(sessions, smtp, now=clock)

    assert [w.total_seconds() / 60 for w in waits] == [1, 5, 15, 60, 240, 720, 1440]
    assert (report.retried, report.failed) == (0, 1)
    row = outbox.get(row_id)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert "Out of attempts" in row.last_error
    assert "452 4.2.2 Mailbox full" in row.last_error
    clock.advance(dt.timedelta(days=7))
    assert deliver_due(sessions, smtp, now=clock).handled == 0
    assert server.received == []


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_deliver_due_fails_on_5xx_without_retry(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox, stage: str
) -> None:
    row_id = outbox.add(recipient="gone@example.org")
    replies = server.rcpt_replies if stage == "rcpt" else server.data_replies
    replies["gone@example.org"] = "550 5.1.1 <gone@example.org>: Recipient address rejected"
    clock = Clock(T0)

    report = deliver_due(sessions, smtp, now=clock)

    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    row = outbox.get(row_id)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert row.last_error == "550 5.1.1 <gone@example.org>: Recipient address rejected"
    del replies["gone@example.org"]
    clock.advance(dt.timedelta(days=7))
    assert deliver_due(sessions, smtp, now=clock).handled == 0
    assert server.received == []


def test_deliver_due_reschedules_when_server_is_down(sessions: sessionmaker[Session], outbox: Outbox) -> None:
    first, second = outbox.add(next_attempt_at=T0 - dt.timedelta(minutes=1)), outbox.add()
    down = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False, sender=SENDER, timeout=5)

    report = deliver_due(sessions, down, now=Clock(T0))

    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    row = outbox.get(first)
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.PENDING, 1, T0 + BACKOFF[0])
    assert "ConnectionRefusedError" in row.last_error
    # The run stops at an unreachable server instead of spending every message's attempts.
    untouched = outbox.get(second)
    assert (untouched.status, untouched.attempts) == (OutboxStatus.PENDING, 0)


def test_deliver_due_reschedules_when_server_never_answers(sessions: sessionmaker[Session], outbox: Outbox) -> None:
    row_id = outbox.add()
    # Accepts connections (the kernel does) but never sends a greeting.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        mute = SmtpSettings(host="127.0.0.1", port=silent.getsockname()[1], starttls=False, sender=SENDER, timeout=0.3)
        report = deliver_due(sessions, mute, now=Clock(T0))

    assert report.retried == 1
    row = outbox.get(row_id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "timed out" in row.last_error


def test_deliver_due_retries_a_connection_dropped_in_the_envelope_and_reconnects(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    dropped = outbox.add(recipient="drop@example.org", next_attempt_at=T0 - dt.timedelta(minutes=1))
    after = outbox.add(recipient="fine@example.org")
    server.drop_at_rcpt.add("drop@example.org")

    report = deliver_due(sessions, smtp, now=Clock(T0))

    assert (report.sent, report.retried) == (1, 1)
    row = outbox.get(dropped)
    assert (row.status, row.next_attempt_at) == (OutboxStatus.PENDING, T0 + BACKOFF[0])
    assert "SMTPServerDisconnected" in row.last_error
    assert server.message_ids() == [outbox.get(after).message_id]


def test_deliver_due_never_resends_a_message_whose_transfer_was_cut(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    """The server had the whole message when the line dropped: it may be delivered, so it is not sent again."""
    dropped = outbox.add(recipient="drop@example.org", next_attempt_at=T0 - dt.timedelta(minutes=1))
    after = outbox.add(recipient="fine@example.org")
    server.drop.add("drop@example.org")
    clock = Clock(T0)

    report = deliver_due(sessions, smtp, now=clock)

    assert (report.sent, report.retried, report.uncertain) == (1, 0, 1)
    row = outbox.get(dropped)
    assert row.status is OutboxStatus.UNCERTAIN
    assert "may have been delivered" in row.last_error
    assert server.message_ids() == [outbox.get(after).message_id]
    clock.advance(dt.timedelta(days=1))
    assert deliver_due(sessions, smtp, now=clock).handled == 0


def test_deliver_due_marks_a_message_uncertain_on_an_unexpected_error(
    sessions: sessionmaker[Session],
    smtp: SmtpSettings,
    server: Recorder,
    outbox: Outbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row_id = outbox.add()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("bug in the middle of a send")

    monkeypatch.setattr(smtplib.SMTP, "data", broken)
    clock = Clock(T0)
    report = deliver_due(sessions, smtp, now=clock)

    assert (report.sent, report.retried, report.failed, report.uncertain) == (0, 0, 0, 1)
    row = outbox.get(row_id)
    assert row.status is OutboxStatus.UNCERTAIN
    assert row.last_error == "Unexpected error while sending: RuntimeError"
    monkeypatch.undo()
    clock.advance(dt.timedelta(days=1))
    assert deliver_due(sessions, smtp, now=clock).handled == 0
    assert server.received == []


def test_deliver_due_marks_stale_sending_rows_uncertain_and_does_not_send_them(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    stale = outbox.add(status=OutboxStatus.SENDING, attempts=1, claimed_at=T0 - STALE_AFTER - dt.timedelta(seconds=1))
    busy = outbox.add(status=OutboxStatus.SENDING, attempts=1, claimed_at=T0 - dt.timedelta(minutes=2))
    clock = Clock(T0)

    report = deliver_due(sessions, smtp, now=clock)

    assert (report.uncertain, report.sent) == (1, 0)
    assert outbox.get(stale).status is OutboxStatus.UNCERTAIN
    assert "not resent unless requeued" in outbox.get(stale).last_error
    # Another sender may still be working on this one.
    assert outbox.get(busy).status is OutboxStatus.SENDING
    clock.advance(dt.timedelta(days=1))
    assert deliver_due(sessions, smtp, now=clock).sent == 0
    assert server.received == []
    assert outbox.statuses() == {OutboxStatus.UNCERTAIN: 2}


def test_requeue_sends_an_uncertain_message_exactly_once(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    row_id = outbox.add(status=OutboxStatus.UNCERTAIN, attempts=1, claimed_at=T0 - dt.timedelta(hours=1))
    clock = Clock(T0)
    assert deliver_due(sessions, smtp, now=clock).handled == 0

    with sessions() as session, session.begin():
        requeue(session, row_id, now=clock)
    row = outbox.get(row_id)
    assert (row.status, row.attempts, row.claimed_at) == (OutboxStatus.PENDING, 0, None)

    assert deliver_due(sessions, smtp, now=clock).sent == 1
    assert deliver_due(sessions, smtp, now=clock).sent == 0
    assert server.message_ids() == [row.message_id]
    assert outbox.get(row_id).status is OutboxStatus.SENT


def test_requeue_gives_a_failed_message_fresh_attempts(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    row_id = outbox.add(status=OutboxStatus.FAILED, attempts=MAX_ATTEMPTS, last_error="452 4.2.2 Mailbox full")
    clock = Clock(T0)

    with sessions() as session, session.begin():
        requeue(session, row_id, now=clock)
    server.rcpt_replies[outbox.get(row_id).recipient] = "451 4.3.0 Try later"

    assert deliver_due(sessions, smtp, now=clock).retried == 1
    assert (outbox.get(row_id).status, outbox.get(row_id).attempts) == (OutboxStatus.PENDING, 1)


@pytest.mark.parametrize("status", [OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT])
def test_requeue_refuses_messages_not_uncertain_or_failed(
    sessions: sessionmaker[Session], outbox: Outbox, status: OutboxStatus
) -> None:
    row_id = outbox.add(status=status)

    with sessions() as session, session.begin(), pytest.raises(ValueError, match=f"is {status}"):
        requeue(session, row_id)
    assert outbox.get(row_id).status is status


def test_requeue_refuses_an_unknown_message(sessions: sessionmaker[Session], outbox: Outbox) -> None:
    with sessions() as session, pytest.raises(ValueError, match="no outbox message"):
        requeue(session, uuid.uuid4())


def test_deliver_due_concurrent_senders_deliver_each_message_exactly_once(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    ids = [outbox.add() for _ in range(30)]
    barrier = threading.Barrier(2)
    sent: list[int] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            barrier.wait()
            sent.append(deliver_due(sessions, smtp, now=Clock(T0)).sent)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(sent) == 30
    counts = collections.Counter(server.message_ids())
    assert set(counts.values()) == {1}
    assert set(counts) == {outbox.get(i).message_id for i in ids}
    assert outbox.statuses() == {OutboxStatus.SENT: 30}


def test_send_forever_delivers_until_stopped(
    sessions: sessionmaker[Session], smtp: SmtpSettings, server: Recorder, outbox: Outbox
) -> None:
    row_id = outbox.add(next_attempt_at=dt.datetime.now(UTC) - dt.timedelta(seconds=1))
    stop = threading.Event()
    worker = threading.Thread(target=send_forever, args=(sessions, smtp), kwargs={"poll_seconds": 0.05, "stop": stop})
    worker.start()
    try:
        for _ in range(200):
            if outbox.get(row_id).status is OutboxStatus.SENT:
                break
            threading.Event().wait(0.05)
    finally:
        stop.set()
        worker.join(timeout=10)

    assert not worker.is_alive()
    assert outbox.get(row_id).status is OutboxStatus.SENT
    assert len(server.received) == 1


# --- settings ---------------------------------------------------------------------------------------------------

BASE_ENV = {"CONGRESS_SMTP_HOST": "smtp.example.org", "CONGRESS_SMTP_FROM": SENDER}


def test_smtp_settings_from_env_without_host_is_not_configured() -> None:
    assert SmtpSettings.from_env({}) is None
    assert SmtpSettings.from_env({"CONGRESS_SMTP_HOST": " ", "CONGRESS_SMTP_FROM": SENDER}) is None


def test_smtp_settings_from_env_defaults_to_starttls_on_587() -> None:
    settings = SmtpSettings.from_env(BASE_ENV)

    assert settings == SmtpSettings(
        host="smtp.example.org", port=587, starttls=True, use_ssl=False, sender=SENDER, timeout=30.0
    )


@pytest.mark.parametrize(
    ("extra", "port", "starttls", "use_ssl"),
    [
        ({"CONGRESS_SMTP_STARTTLS": "0"}, 25, False, False),
        ({"CONGRESS_SMTP_STARTTLS": "false", "CONGRESS_SMTP_PORT": "2525"}, 2525, False, False),
        ({"CONGRESS_SMTP_SSL": "1"}, 465, False, True),
        ({"CONGRESS_SMTP_SSL": "yes", "CONGRESS_SMTP_STARTTLS": "0", "CONGRESS_SMTP_PORT": "4650"}, 4650, False, True),
        ({"CONGRESS_SMTP_STARTTLS": "1", "CONGRESS_SMTP_PORT": "10587"}, 10587, True, False),
    ],
)
def test_smtp_settings_from_env_reads_port_and_tls(
    extra: dict[str, str], port: int, starttls: bool, use_ssl: bool
) -> None:
    settings = SmtpSettings.from_env(BASE_ENV | extra)

    assert settings is not None
    assert (settings.port, settings.starttls, settings.use_ssl) == (port, starttls, use_ssl)


def test_smtp_settings_from_env_reads_credentials_and_timeout() -> None:
    settings = SmtpSettings.from_env(
        BASE_ENV
        | {"CONGRESS_SMTP_USER": "mailer", "CONGRESS_SMTP_PASSWORD": "s3cret!", "CONGRESS_SMTP_TIMEOUT": "12.5"}
    )

    assert settings is not None
    assert (settings.username, settings.password, settings.timeout) == ("mailer", "s3cret!", 12.5)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CONGRESS_SMTP_HOST": "smtp.example.org"}, "CONGRESS_SMTP_FROM"),
        (BASE_ENV | {"CONGRESS_SMTP_FROM": "nobody"}, "sender must be an e-mail address"),
        (BASE_ENV | {"CONGRESS_SMTP_PORT": "smtp"}, "CONGRESS_SMTP_PORT must be a number"),
        (BASE_ENV | {"CONGRESS_SMTP_PORT": "70000"}, "between 1 and 65535"),
        (BASE_ENV | {"CONGRESS_SMTP_STARTTLS": "maybe"}, "CONGRESS_SMTP_STARTTLS must be 1 or 0"),
        (BASE_ENV | {"CONGRESS_SMTP_SSL": "1", "CONGRESS_SMTP_STARTTLS": "1"}, "not both"),
        (BASE_ENV | {"CONGRESS_SMTP_USER": "mailer"}, "user and password must be given together"),
        (BASE_ENV | {"CONGRESS_SMTP_TIMEOUT": "soon"}, "CONGRESS_SMTP_TIMEOUT must be a number"),
        (BASE_ENV | {"CONGRESS_SMTP_TIMEOUT": "0"}, "timeout must be positive"),
    ],
)
def test_smtp_settings_from_env_rejects_bad_values(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SmtpSettings.from_env(env)


def test_smtp_settings_repr_hides_the_password() -> None:
    settings = SmtpSettings.from_env(BASE_ENV | {"CONGRESS_SMTP_USER": "mailer", "CONGRESS_SMTP_PASSWORD": "s3cret!"})

    assert settings is not None
    assert "s3cret!" not in repr(settings)
    assert "s3cret!" not in str(settings)
    assert "password=<hidden>" in repr(settings)
    assert "mailer" in repr(settings)
