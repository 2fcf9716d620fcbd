"""Delivering the outbox over SMTP: each message once, retried with backoff, never resent blindly.

A sender claims one due row at a time (``pending`` to ``sending`` in one conditional
UPDATE, committed before the mail server is contacted), so concurrent senders never
take the same row. The outcome is committed right after each message: ``sent``;
``failed`` on a permanent (5xx) refusal or when out of attempts; back to ``pending``
with a growing delay on a temporary failure (4xx, connection refused, reset, timeout).
A row left in ``sending`` longer than the stale limit belongs to a sender that died,
perhaps after the server had accepted the message, so it becomes ``uncertain`` and is
only sent again when an organiser ``requeue``s it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import email.generator
import email.policy
import enum
import io
import logging
import smtplib
import ssl
import threading
import uuid
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Executable, select, update
from sqlalchemy.orm import Session, sessionmaker

from congress.db.models import OutboxMessage
from congress.enums import OutboxStatus

log = logging.getLogger("congress.mail")

MAX_ATTEMPTS = 8
# Delay before the next try after the n-th failed attempt; the last entry repeats.
BACKOFF = tuple(dt.timedelta(minutes=m) for m in (1, 5, 15, 60, 240, 720, 1440))
# A row claimed longer ago than this is taken to belong to a sender that died.
STALE_AFTER = dt.timedelta(minutes=10)
# Due rows looked at per query; a claim lost to another sender moves on to the next one.
CANDIDATES = 16
ERROR_LIMIT = 1000
BATCH = 100

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after ``attempts`` tries have failed."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class SmtpSettings:
    """Where and how to hand mail over; ``sender`` is the From address."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    starttls: bool = True
    use_ssl: bool = False
    sender: str
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("The SMTP host must not be empty")
        if not 0 < self.port < 65536:
            raise ValueError(f"The SMTP port must be between 1 and 65535, not {self.port}")
        if self.starttls and self.use_ssl:
            raise ValueError("Choose either STARTTLS or SSL for SMTP, not both")
        if "@" not in parseaddr(self.sender)[1]:
            raise ValueError(f"The SMTP sender must be an e-mail address, not {self.sender!r}")
        if bool(self.username) != bool(self.password):
            raise ValueError("The SMTP user and password must be given together")
        if self.timeout <= 0:
            raise ValueError("The SMTP timeout must be positive")

    def __repr__(self) -> str:
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port}, username={self.username!r}, "
            f"password={'<hidden>' if self.password else '<none>'}, starttls={self.starttls}, "
            f"use_ssl={self.use_ssl}, sender={self.sender!r}, timeout={self.timeout:g})"
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings | None:
        """Read ``CONGRESS_SMTP_*``; None when no host is set (mail is not configured)."""
        host = env.get("CONGRESS_SMTP_HOST", "").strip()
        if not host:
            return None
        sender = env.get("CONGRESS_SMTP_FROM", "").strip()
        if not sender:
            raise ValueError("CONGRESS_SMTP_FROM (the From address) is required when CONGRESS_SMTP_HOST is set")
        use_ssl = _flag(env, "CONGRESS_SMTP_SSL", default=False)
        starttls = _flag(env, "CONGRESS_SMTP_STARTTLS", default=not use_ssl)
        port_text = env.get("CONGRESS_SMTP_PORT", "").strip()
        if port_text:
            try:
                port = int(port_text)
            except ValueError:
                raise ValueError(f"CONGRESS_SMTP_PORT must be a number, not {port_text!r}") from None
        else:
            port = 465 if use_ssl else 587 if starttls else 25
        timeout_text = env.get("CONGRESS_SMTP_TIMEOUT", "").strip() or "30"
        try:
            timeout = float(timeout_text)
        except ValueError:
            raise ValueError(f"CONGRESS_SMTP_TIMEOUT must be a number of seconds, not {timeout_text!r}") from None
        return cls(
            host=host,
            port=port,
            username=env.get("CONGRESS_SMTP_USER", ""),
            password=env.get("CONGRESS_SMTP_PASSWORD", ""),
            starttls=starttls,
            use_ssl=use_ssl,
            sender=sender,
            timeout=timeout,
        )


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name} must be 1 or 0, not {text!r}")


def build_message(row: OutboxMessage, sender: str) -> EmailMessage:
    """The e-mail for one outbox row, with its fixed Message-ID and the .ics attached when there is one."""
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = sender
    message["To"] = row.recipient
    # When the row was written: the same message keeps the same Date, however late it goes out.
    message["Date"] = format_datetime(row.created_at or utc_now())
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body, cte="quoted-printable")
    if row.attachment:
        # Base64 keeps the CRLF line ends iCalendar requires; no METHOD in the file, so none here.
        message.add_attachment(
            row.attachment.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename=row.attachment_name or "calendar.ics",
            params={"charset": "utf-8"},
        )
    return message


@dataclasses.dataclass(slots=True)
class DeliveryReport:
    """What one ``deliver_due`` run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.uncertain


class Verdict(enum.Enum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    UNCERTAIN = "uncertain"


def _rowcount(session: Session, statement: Executable) -> int:
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def _due(moment: dt.datetime) -> ColumnElement[bool]:
    return (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.next_attempt_at <= moment)


def _mark_stale(sessions: sessionmaker[Session], moment: dt.datetime, stale_after: dt.timedelta) -> int:
    """Rows stuck in ``sending`` become ``uncertain``; returns how many."""
    cutoff = moment - stale_after
    stuck = (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_at < cutoff)
    marked = 0
    with sessions() as session, session.begin():
        rows = session.execute(select(OutboxMessage.id, OutboxMessage.message_id).where(stuck)).all()
        for row_id, message_id in rows:
            changed = _rowcount(
                session,
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, stuck)
                .values(
                    status=OutboxStatus.UNCERTAIN,
                    last_error=f"The sender stopped while sending (claimed before {cutoff.isoformat()}); "
                    "it may have gone out, so it is not resent unless requeued",
                ),
            )
            if changed:
                marked += 1
                log.warning("Outbox %s %s: sender lost mid-send, now uncertain", row_id, message_id)
    return marked


def _take(sessions: sessionmaker[Session], row_id: uuid.UUID, moment: dt.datetime) -> OutboxMessage | None:
    """Claim one row if it is still due; the claim is committed when this returns."""
    with sessions() as session, session.begin():
        taken = _rowcount(
            session,
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, _due(moment))
            .values(status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1, claimed_at=moment),
        )
        if taken != 1:
            return None
        row = session.get_one(OutboxMessage, row_id)
        # Detached with its columns loaded, so the commit does not expire them.
        session.expunge(row)
        return row


def _claim(sessions: sessionmaker[Session], moment: dt.datetime) -> OutboxMessage | None:
    """The next due row, claimed by this sender; None when nothing is due."""
    while True:
        with sessions() as session:
            candidates = session.scalars(
                select(OutboxMessage.id)
                .where(_due(moment))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(CANDIDATES)
            ).all()
        if not candidates:
            return None
        for row_id in candidates:
            row = _take(sessions, row_id, moment)
            if row is not None:
                return row


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    # Connected after construction, so a failed greeting cannot leave the socket open.
    client: smtplib.SMTP
    if smtp.use_ssl:
        client = smtplib.SMTP_SSL(timeout=smtp.timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(timeout=smtp.timeout)
    try:
        code, reply = client.connect(smtp.host, smtp.port)
        if code != 220:
            raise smtplib.SMTPConnectError(code, reply)
        client.ehlo()
        if smtp.starttls:
            # Refuses to go on in clear text when the server offers no STARTTLS.
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if smtp.username:
            client.login(smtp.username, smtp.password)
    except BaseException:
        client.close()
        raise
    return client


class _Connection:
    """One SMTP session for a run, opened on first use and reopened when it has dropped."""

    def __init__(self, smtp: SmtpSettings) -> None:
        self._smtp = smtp
        self._client: smtplib.SMTP | None = None

    def get(self) -> smtplib.SMTP:
        if self._client is not None:
            try:
                if self._client.noop()[0] == 250:
                    return self._client
            except (smtplib.SMTPException, OSError):
                pass
            self.discard()
        self._client = _connect(self._smtp)
        return self._client

    def discard(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._client.quit()
            self.discard()


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _kind(code: int) -> Verdict:
    return Verdict.FAILED if 500 <= code < 600 else Verdict.RETRY


@dataclasses.dataclass(frozen=True, slots=True)
class _Attempt:
    verdict: Verdict
    error: str = ""
    # False when no connection could be made: the run stops rather than burn other rows' attempts.
    reachable: bool = True


class _InsideData(Exception):
    """The connection failed while the message itself was being transferred: it may have been delivered."""


def _transmit(client: smtplib.SMTP, message: EmailMessage, sender: str, recipient: str) -> None:
    """The envelope first (a failure there is safe to retry), then DATA, where a lost connection is not."""
    options: list[str] = []
    if not (sender + recipient).isascii():
        client.ehlo_or_helo_if_needed()
        if not client.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError("the server does not take non-ASCII addresses (SMTPUTF8)")
        options = ["SMTPUTF8", "BODY=8BITMIME"]
    client.ehlo_or_helo_if_needed()
    code, reply = client.mail(sender, options)
    if code != 250:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = client.rcpt(recipient)
    if code not in (250, 251):
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.rset()
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    try:
        code, reply = client.data(_wire_bytes(message, international=bool(options)))
    except smtplib.SMTPResponseException:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        raise _InsideData(f"{type(exc).__name__}: {exc}") from exc
    if code != 250:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.rset()
        raise smtplib.SMTPDataError(code, reply)


def _wire_bytes(message: EmailMessage, *, international: bool) -> bytes:
    """The message as SMTP carries it: CRLF line ends (smtplib does not fix them in bytes)."""
    buffer = io.BytesIO()
    policy = email.policy.SMTPUTF8 if international else email.policy.SMTP
    email.generator.BytesGenerator(buffer, policy=policy).flatten(message)
    return buffer.getvalue()


def _send(connection: _Connection, row: OutboxMessage, smtp: SmtpSettings) -> _Attempt:
    try:
        message = build_message(row, smtp.sender)
    except Exception as exc:
        log.exception("Outbox %s %s: the message could not be built", row.id, row.message_id)
        return _Attempt(Verdict.FAILED, f"The message could not be built: {type(exc).__name__}")
    try:
        client = connection.get()
    except smtplib.SMTPResponseException as exc:
        return _Attempt(Verdict.RETRY, f"Connecting: {_reply(exc.smtp_code, exc.smtp_error)}", reachable=False)
    except (smtplib.SMTPException, OSError) as exc:
        return _Attempt(Verdict.RETRY, f"Connecting: {type(exc).__name__}: {exc}", reachable=False)
    try:
        _transmit(client, message, parseaddr(smtp.sender)[1], row.recipient)
    except _InsideData as exc:
        # The server may hold the message already: never resent automatically (an organiser decides).
        connection.discard()
        return _Attempt(
            Verdict.UNCERTAIN,
            f"The connection failed while the message was transferred ({exc}); it may have been delivered",
        )
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = exc.recipients.get(row.recipient) or next(iter(exc.recipients.values()))
        return _Attempt(_kind(code), _reply(code, text))
    except smtplib.SMTPResponseException as exc:
        return _Attempt(_kind(exc.smtp_code), _reply(exc.smtp_code, exc.smtp_error))
    except smtplib.SMTPNotSupportedError as exc:
        return _Attempt(Verdict.FAILED, f"Not supported by the server: {exc}")
    except (smtplib.SMTPException, OSError) as exc:
        # Dropped, reset or timed out before the message was transferred.
        connection.discard()
        return _Attempt(Verdict.RETRY, f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        connection.discard()
        log.exception("Outbox %s %s: unexpected error while sending", row.id, row.message_id)
        return _Attempt(Verdict.UNCERTAIN, f"Unexpected error while sending: {type(exc).__name__}")
    return _Attempt(Verdict.SENT)


def _record(sessions: sessionmaker[Session], row: OutboxMessage, attempt: _Attempt, moment: dt.datetime) -> Verdict:
    """Commit the outcome of this sender's claim; returns what the row became."""
    verdict = attempt.verdict
    error = attempt.error[:ERROR_LIMIT]
    values: dict[str, Any]
    if verdict is Verdict.SENT:
        values = {"status": OutboxStatus.SENT, "sent_at": moment, "last_error": ""}
    elif verdict is Verdict.RETRY and row.attempts < MAX_ATTEMPTS:
        values = {
            "status": OutboxStatus.PENDING,
            "next_attempt_at": moment + backoff(row.attempts),
            "last_error": error,
        }
    elif verdict is Verdict.UNCERTAIN:
        values = {"status": OutboxStatus.UNCERTAIN, "last_error": error}
    else:
        verdict = Verdict.FAILED
        if attempt.verdict is Verdict.RETRY:
            error = f"Out of attempts ({row.attempts}); last: {error}"[:ERROR_LIMIT]
        values = {"status": OutboxStatus.FAILED, "last_error": error}
    with sessions() as session, session.begin():
        # Still this claim (a stale sweep may have called it uncertain meanwhile; what happened wins).
        changed = _rowcount(
            session,
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row.id,
                OutboxMessage.attempts == row.attempts,
                OutboxMessage.claimed_at == row.claimed_at,
                OutboxMessage.status.in_((OutboxStatus.SENDING, OutboxStatus.UNCERTAIN)),
            )
            .values(**values),
        )
    if not changed:
        log.warning(
            "Outbox %s %s: claim lost before its outcome (%s) was written", row.id, row.message_id, verdict.value
        )
    elif verdict is Verdict.SENT:
        log.info("Outbox %s %s: sent (attempt %d)", row.id, row.message_id, row.attempts)
    else:
        log.warning("Outbox %s %s: %s after attempt %d: %s", row.id, row.message_id, verdict.value, row.attempts, error)
    return verdict


def deliver_due(
    sessions: sessionmaker[Session],
    smtp: SmtpSettings,
    *,
    now: Callable[[], dt.datetime] = utc_now,
    limit: int = BATCH,
    stale_after: dt.timedelta = STALE_AFTER,
) -> DeliveryReport:
    """Send up to ``limit`` due messages over one SMTP connection; each outcome is committed at once."""
    report = DeliveryReport(uncertain=_mark_stale(sessions, now(), stale_after))
    connection = _Connection(smtp)
    try:
        for _ in range(limit):
            row = _claim(sessions, now())
            if row is None:
                break
            attempt = _send(connection, row, smtp)
            verdict = _record(sessions, row, attempt, now())
            if verdict is Verdict.SENT:
                report.sent += 1
            elif verdict is Verdict.RETRY:
                report.retried += 1
            elif verdict is Verdict.FAILED:
                report.failed += 1
            else:
                report.uncertain += 1
            if not attempt.reachable:
                log.warning("Mail server %s:%d unreachable; stopping this run", smtp.host, smtp.port)
                break
    finally:
        connection.close()
    return report


def requeue(session: Session, message_id: uuid.UUID, *, now: Callable[[], dt.datetime] = utc_now) -> None:
    """Put an ``uncertain`` or ``failed`` row (by id) back to ``pending`` with fresh attempts; the caller commits."""
    changed = _rowcount(
        session,
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status.in_((OutboxStatus.UNCERTAIN, OutboxStatus.FAILED)),
        )
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now(), claimed_at=None),
    )
    if changed == 1:
        log.info("Outbox %s: requeued", message_id)
        return
    status = session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == message_id))
    if status is None:
        raise ValueError(f"There is no outbox message {message_id}")
    raise ValueError(f"Outbox message {message_id} is {status}; only uncertain or failed messages can be requeued")


def send_forever(
    sessions: sessionmaker[Session], smtp: SmtpSettings, *, poll_seconds: float, stop: threading.Event
) -> None:
    """Deliver due messages until ``stop`` is set, waiting ``poll_seconds`` when there is nothing left."""
    log.info("Sending mail through %r", smtp)
    while not stop.is_set():
        busy = False
        try:
            # A full batch suggests more is due: go on at once.
            busy = deliver_due(sessions, smtp, limit=BATCH).handled >= BATCH
        except Exception:
            log.exception("Delivering the outbox failed; trying again in %g s", poll_seconds)
        if not busy:
            stop.wait(poll_seconds)
