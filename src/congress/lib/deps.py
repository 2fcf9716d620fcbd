"""Dependencies every controller can ask for: the database session, the caller, a page."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from congress.lib.schema import Page
from congress.lib.security import Principal
from congress.lib.transactions import WRITE_INTENT

SESSION_MAKER_KEY = "session_maker"

T = TypeVar("T")
R = TypeVar("R")


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A route whose handler does slow work (parsing an upload) before its first query takes the write lock itself,
# with ``begin_writing``, so other writers are not held up meanwhile.
DEFERS_WRITE_LOCK = "defers_write_lock"


async def begin_writing(session: AsyncSession) -> None:
    """Start the request's transaction as a writer (on SQLite: BEGIN IMMEDIATE), unless one is already open."""
    if not session.in_transaction():
        await session.connection(execution_options={WRITE_INTENT: True})


async def provide_db_session(state: State, request: Request[Any, Any, Any]) -> AsyncGenerator[AsyncSession, None]:
    """One session per request: committed when the handler succeeds, rolled back otherwise.

    The commit happens before the response is sent, so an acknowledged write is stored.
    Requests that may write declare it up front (SQLite then serialises them at BEGIN).
    """
    maker: async_sessionmaker[AsyncSession] = state[SESSION_MAKER_KEY]
    async with maker() as session:
        if request.method not in READ_METHODS and not request.route_handler.opt.get(DEFERS_WRITE_LOCK):
            await session.connection(execution_options={WRITE_INTENT: True})
        try:
            yield session
        except Exception:
            await session.rollback()
            raise
        else:
            await session.commit()


def service(factory: Callable[[AsyncSession, Principal | None], object]) -> Provide:
    """Provide a service built on the request's session and caller."""

    def provide(db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal | None]) -> object:
        return factory(db_session, principal)

    return Provide(provide, sync_to_thread=False)


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int

    def wrap(self, items: list[T], total: int) -> Page[T]:
        return Page(items=items, total=total, limit=self.limit, offset=self.offset)


def provide_page(
    limit: Annotated[int, QueryParameter(ge=1, le=500, description="Page size")] = 50,
    offset: Annotated[int, QueryParameter(ge=0, le=10_000_000, description="Rows to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


def page_of(rows: Iterable[T], total: int, page: PageParams, convert: Callable[[T], R]) -> Page[R]:
    return page.wrap([convert(r) for r in rows], total)
