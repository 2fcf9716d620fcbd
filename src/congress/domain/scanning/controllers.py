"""HTTP routes for scanner devices, their offline bundle, scans and live occupancy."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from congress.domain.scanning.ingest import SCAN_QUEUE_KEY, Job, ScanQueue
from congress.domain.scanning.schemas import (
    DeviceCreate,
    DeviceCreated,
    DeviceRead,
    Occupancy,
    OfflineBundle,
    ScanBatch,
    ScanReport,
)
from congress.domain.scanning.services import ScanService
from congress.lib import http
from congress.lib.deps import service
from congress.lib.errors import NotAuthenticated
from congress.lib.security import Role, bearer_token

DEVICES = http.roles(Role.STEWARD)
DEVICES_AND_ORGANISERS = http.roles(Role.STEWARD, Role.ORGANISER)


def provide_scan_queue(state: State) -> ScanQueue:
    queue: ScanQueue = state[SCAN_QUEUE_KEY]
    return queue


class ScannerController(Controller):
    path = "/api/congresses/{congress_id:uuid}"
    tags = ["Scanning"]
    dependencies = {
        "scan_service": service(ScanService),
        "scan_queue": Provide(provide_scan_queue, sync_to_thread=False),
    }

    @http.post("/scanners", access=http.ORGANISER, summary="Register a scanner device; its token is shown once")
    async def create_scanner(
        self, scan_service: NamedDependency[ScanService], congress_id: FromPath[uuid.UUID], data: JSONBody[DeviceCreate]
    ) -> DeviceCreated:
        return await scan_service.create_device(congress_id, data)

    @http.get("/scanners", access=http.ORGANISER, summary="Scanner devices and when they were last seen")
    async def list_scanners(
        self, scan_service: NamedDependency[ScanService], congress_id: FromPath[uuid.UUID]
    ) -> list[DeviceRead]:
        return await scan_service.devices(congress_id)

    @http.delete(
        "/scanners/{device_id:uuid}", access=http.ORGANISER, summary="Revoke a scanner device (cut off at once)"
    )
    async def revoke_scanner(
        self,
        scan_service: NamedDependency[ScanService],
        congress_id: FromPath[uuid.UUID],
        device_id: FromPath[uuid.UUID],
    ) -> None:
        await scan_service.revoke_device(congress_id, device_id)

    @http.get(
        "/scanner-bundle",
        access=DEVICES,
        summary="For a scanner: public keys, revocation list, rooms and released programme, to work offline",
    )
    async def scanner_bundle(
        self, scan_service: NamedDependency[ScanService], congress_id: FromPath[uuid.UUID]
    ) -> OfflineBundle:
        return await scan_service.offline(congress_id)

    @http.post(
        "/scans",
        access=http.deferred(Role.STEWARD),
        status_code=200,
        summary="Scans from a door, one or a batch after an offline period; stored before they are answered",
    )
    async def post_scans(
        self,
        request: Request[Any, Any, Any],
        scan_queue: NamedDependency[ScanQueue],
        congress_id: FromPath[uuid.UUID],
        data: JSONBody[ScanBatch],
    ) -> ScanReport:
        # No request session: the scans join the next group commit, where the device token is checked too,
        # and the request is answered once that transaction has committed.
        token = bearer_token(request.scope)
        if token is None:  # the guard refuses a request without one
            raise NotAuthenticated("Send an API token as 'Authorization: Bearer <token>'")
        return await scan_queue.submit(Job(token=token, congress_id=congress_id, batch=data))

    @http.get("/occupancy", access=DEVICES_AND_ORGANISERS, summary="How many people are in each room now")
    async def occupancy(
        self, scan_service: NamedDependency[ScanService], congress_id: FromPath[uuid.UUID]
    ) -> Occupancy:
        return await scan_service.occupancy(congress_id)
