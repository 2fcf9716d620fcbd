"""HTTP routes for calendar feeds and their secret links."""

from __future__ import annotations

import email.utils
import re
import uuid
from typing import Annotated

from litestar import Controller, Response
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, Parameter

from congress.config import Settings
from congress.domain.feeds.schemas import FeedLinkCreated, FeedLinkRead
from congress.domain.feeds.services import FeedService, Rendered
from congress.lib import http
from congress.lib.deps import service
from congress.lib.schema import Topic
from congress.publishing import ical

IfNoneMatch = Annotated[str | None, HeaderParameter(name="If-None-Match", required=False, max_length=1000)]
IfModifiedSince = Annotated[str | None, HeaderParameter(name="If-Modified-Since", required=False, max_length=100)]

CALENDAR_RESPONSES = {
    200: ResponseSpec(
        data_container=str, media_type="text/calendar", description="An iCalendar feed", generate_examples=False
    ),
    304: ResponseSpec(data_container=None, description="The client's copy is current (ETag / Last-Modified)"),
}


def _ascii_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "calendar.ics"


def calendar_response(rendered: Rendered) -> Response[bytes]:
    headers = {
        "ETag": rendered.etag,
        "Last-Modified": email.utils.format_datetime(rendered.last_modified.replace(microsecond=0), usegmt=True),
        "Cache-Control": "private, no-cache" if rendered.private else "public, max-age=300",
        # A feed link is a secret: never hand it on as a Referer.
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    if rendered.body is None:
        return Response(content=b"", status_code=304, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{_ascii_filename(rendered.filename)}"'
    return Response(content=rendered.body, status_code=200, media_type=ical.MEDIA_TYPE, headers=headers)


class FeedLinkController(Controller):
    path = "/api/congresses/{congress_id:uuid}/feeds"
    tags = ["Calendars"]
    dependencies = {"feeds": service(FeedService)}

    @http.post(
        "/",
        access=http.AUTHENTICATED,
        summary="Issue a secret calendar link for the caller (organisers: for any person); "
        "the person's previous link stops working at once",
    )
    async def issue_feed(
        self,
        feeds: NamedDependency[FeedService],
        settings: NamedDependency[Settings],
        congress_id: FromPath[uuid.UUID],
        person_id: FromQuery[uuid.UUID | None] = None,
    ) -> FeedLinkCreated:
        return await feeds.issue(congress_id, person_id, settings.public_base_url)

    @http.get(
        "/", access=http.AUTHENTICATED, summary="List calendar links (no secrets): one's own, or all for organisers"
    )
    async def list_feeds(
        self,
        feeds: NamedDependency[FeedService],
        congress_id: FromPath[uuid.UUID],
        person_id: FromQuery[uuid.UUID | None] = None,
    ) -> list[FeedLinkRead]:
        return await feeds.links(congress_id, person_id)

    @http.delete("/{feed_id:uuid}", access=http.AUTHENTICATED, summary="Revoke a calendar link")
    async def revoke_feed(
        self,
        feeds: NamedDependency[FeedService],
        congress_id: FromPath[uuid.UUID],
        feed_id: FromPath[uuid.UUID],
    ) -> None:
        await feeds.revoke(congress_id, feed_id)


class CalendarController(Controller):
    path = "/api"
    tags = ["Calendars"]
    dependencies = {"feeds": service(FeedService)}

    @http.get(
        "/congresses/{congress_id:uuid}/calendar.ics",
        access=http.PUBLIC,
        summary="The released programme as an iCalendar feed; one room or one topic on request",
        media_type="text/calendar",
        responses=CALENDAR_RESPONSES,
    )
    async def programme_calendar(
        self,
        feeds: NamedDependency[FeedService],
        settings: NamedDependency[Settings],
        congress_id: FromPath[uuid.UUID],
        if_none_match: IfNoneMatch = None,
        if_modified_since: IfModifiedSince = None,
        room_id: FromQuery[uuid.UUID | None] = None,
        topic: FromQuery[Topic | None] = None,
    ) -> Response[bytes]:
        rendered = await feeds.public(
            congress_id, room_id, topic, settings.public_base_url, if_none_match, if_modified_since
        )
        return calendar_response(rendered)

    @http.get(
        "/feeds/{token:str}/calendar.ics",
        access=http.PUBLIC,
        summary="A personal iCalendar feed behind its secret link",
        media_type="text/calendar",
        responses=CALENDAR_RESPONSES,
    )
    async def personal_calendar(
        self,
        feeds: NamedDependency[FeedService],
        settings: NamedDependency[Settings],
        token: Annotated[str, Parameter(max_length=200)],
        if_none_match: IfNoneMatch = None,
        if_modified_since: IfModifiedSince = None,
    ) -> Response[bytes]:
        rendered = await feeds.personal(token, settings.public_base_url, if_none_match, if_modified_since)
        return calendar_response(rendered)
