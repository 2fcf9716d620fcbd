"""HTTP routes for the diploma: the sitting, applications, examiners, conflicts, oral slots, marks, results."""

from __future__ import annotations

import uuid

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from congress.domain.exams.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ApplicationUpdate,
    ConflictCreate,
    ConflictRead,
    ExaminerCreate,
    ExaminerRead,
    ExaminerUpdate,
    MarkRead,
    MarkWrite,
    OralSolveRequest,
    OralSolveResult,
    ResultRead,
    ResultsSummary,
    SittingRead,
    SittingWrite,
    SlotCreate,
    SlotRead,
    SlotUpdate,
    WrittenScore,
    WrittenScoresImport,
    WrittenScoresReport,
)
from congress.domain.exams.services import ExamService
from congress.domain.exams.solving import OralSolveService
from congress.enums import ApplicationStatus
from congress.lib import http
from congress.lib.deps import DEFERS_WRITE_LOCK, service
from congress.lib.security import Role

CANDIDATES = http.roles(Role.ORGANISER, Role.CANDIDATE)
EXAMINERS = http.roles(Role.ORGANISER, Role.EXAMINER)
EXAM_PEOPLE = http.roles(Role.ORGANISER, Role.EXAMINER, Role.CANDIDATE)


class SittingController(Controller):
    path = "/api/congresses/{congress_id:uuid}/exam"
    tags = ["Diploma"]
    dependencies = {"exams": service(ExamService), "orals": service(OralSolveService)}

    @http.get("/", access=http.PUBLIC, summary="The diploma sitting at this congress: dates, oral windows, seats")
    async def get_sitting(self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID]) -> SittingRead:
        return await exams.get_sitting(congress_id)

    @http.put("/", access=http.ORGANISER, errors=(409,), summary="Set up or change the diploma sitting")
    async def put_sitting(
        self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID], data: JSONBody[SittingWrite]
    ) -> SittingRead:
        return await exams.put_sitting(congress_id, data)

    @http.post(
        "/solve",
        access=http.ORGANISER,
        errors=(409,),
        status_code=200,
        opt={DEFERS_WRITE_LOCK: True},
        summary="Schedule the orals (CP-SAT): a slot, a workstation and a full panel for every admitted candidate",
    )
    async def solve_orals(
        self,
        orals: NamedDependency[OralSolveService],
        congress_id: FromPath[uuid.UUID],
        data: JSONBody[OralSolveRequest],
    ) -> OralSolveResult:
        return await orals.solve(congress_id, data)

    @http.get("/results", access=http.ORGANISER, summary="The examiners' meeting: every candidate's parts and outcome")
    async def results_summary(
        self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID]
    ) -> ResultsSummary:
        return await exams.summary(congress_id)

    @http.post(
        "/results/release",
        access=http.ORGANISER,
        errors=(409,),
        status_code=200,
        summary="Record the outcomes, date the diplomas and let candidates read their results",
    )
    async def release_results(
        self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID]
    ) -> ResultsSummary:
        return await exams.release_results(congress_id)

    @http.get("/my-result", access=http.roles(Role.CANDIDATE), summary="The caller's own result, once released")
    async def my_result(self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID]) -> ResultRead:
        return await exams.my_result(congress_id)

    @http.put(
        "/written-scores",
        access=http.ORGANISER,
        summary="Import written scores by candidate email (all rows or none)",
    )
    async def import_written(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        data: JSONBody[WrittenScoresImport],
    ) -> WrittenScoresReport:
        return await exams.import_written(congress_id, data)


class ApplicationController(Controller):
    path = "/api/congresses/{congress_id:uuid}/exam/applications"
    tags = ["Diploma"]
    dependencies = {"exams": service(ExamService)}

    @http.get("/", access=CANDIDATES, summary="Applications (a candidate sees their own), with eligibility and seats")
    async def list_applications(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        status: FromQuery[ApplicationStatus | None] = None,
    ) -> list[ApplicationRead]:
        return await exams.list_applications(congress_id, status)

    @http.post(
        "/", access=CANDIDATES, errors=(409,), summary="Apply (candidates for themselves; organisers for anyone)"
    )
    async def apply(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        data: JSONBody[ApplicationCreate],
    ) -> ApplicationRead:
        return await exams.apply(congress_id, data)

    @http.get("/{application_id:uuid}", access=CANDIDATES, summary="Read an application")
    async def get_application(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        application_id: FromPath[uuid.UUID],
    ) -> ApplicationRead:
        return await exams.get_application(congress_id, application_id)

    @http.patch(
        "/{application_id:uuid}",
        access=CANDIDATES,
        errors=(409,),
        summary="Submit documents (candidates) or review them (organisers)",
    )
    async def update_application(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        application_id: FromPath[uuid.UUID],
        data: JSONBody[ApplicationUpdate],
    ) -> ApplicationRead:
        return await exams.update_application(congress_id, application_id, data)

    @http.post(
        "/{application_id:uuid}/withdraw",
        access=CANDIDATES,
        errors=(409,),
        status_code=200,
        summary="Withdraw; the seat goes to the first on the waiting list",
    )
    async def withdraw(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        application_id: FromPath[uuid.UUID],
    ) -> ApplicationRead:
        return await exams.withdraw(congress_id, application_id)

    @http.post(
        "/{application_id:uuid}/reject",
        access=http.ORGANISER,
        errors=(409,),
        status_code=200,
        summary="Refuse an application",
    )
    async def reject(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        application_id: FromPath[uuid.UUID],
    ) -> ApplicationRead:
        return await exams.reject(congress_id, application_id)

    @http.get("/{application_id:uuid}/result", access=CANDIDATES, summary="A candidate's result")
    async def result(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        application_id: FromPath[uuid.UUID],
    ) -> ResultRead:
        return await exams.result(congress_id, application_id)

    @http.put("/{application_id:uuid}/written", access=http.ORGANISER, summary="Enter a written score (0-40)")
    async def set_written(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        application_id: FromPath[uuid.UUID],
        data: JSONBody[WrittenScore],
    ) -> ResultRead:
        return await exams.set_written(congress_id, application_id, data)


class ExaminerController(Controller):
    path = "/api/congresses/{congress_id:uuid}/exam/examiners"
    tags = ["Diploma"]
    dependencies = {"exams": service(ExamService)}

    @http.get("/", access=EXAMINERS, summary="Examiners (an examiner sees their own row)")
    async def list_examiners(
        self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID]
    ) -> list[ExaminerRead]:
        return await exams.list_examiners(congress_id)

    @http.post("/", access=http.ORGANISER, errors=(409,), summary="Propose or appoint an examiner (ESSR members only)")
    async def add_examiner(
        self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID], data: JSONBody[ExaminerCreate]
    ) -> ExaminerRead:
        return await exams.add_examiner(congress_id, data)

    @http.get("/{examiner_id:uuid}", access=EXAMINERS, summary="Read an examiner")
    async def get_examiner(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        examiner_id: FromPath[uuid.UUID],
    ) -> ExaminerRead:
        return await exams.get_examiner(congress_id, examiner_id)

    @http.patch(
        "/{examiner_id:uuid}",
        access=http.ORGANISER,
        summary="Approve, limit or withdraw an examiner (a withdrawal frees their panel seats)",
    )
    async def update_examiner(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        examiner_id: FromPath[uuid.UUID],
        data: JSONBody[ExaminerUpdate],
    ) -> ExaminerRead:
        return await exams.update_examiner(congress_id, examiner_id, data)


class ConflictController(Controller):
    path = "/api/congresses/{congress_id:uuid}/exam/conflicts"
    tags = ["Diploma"]
    dependencies = {"exams": service(ExamService)}

    @http.get("/", access=EXAMINERS, summary="Conflicts of interest, declared and found (an examiner sees their own)")
    async def list_conflicts(
        self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID]
    ) -> list[ConflictRead]:
        return await exams.list_conflicts(congress_id)

    @http.post("/", access=EXAMINERS, errors=(409,), summary="Declare a conflict of interest")
    async def declare_conflict(
        self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID], data: JSONBody[ConflictCreate]
    ) -> ConflictRead:
        return await exams.declare_conflict(congress_id, data)

    @http.delete("/{conflict_id:uuid}", access=http.ORGANISER, summary="Remove a declared conflict")
    async def delete_conflict(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        conflict_id: FromPath[uuid.UUID],
    ) -> None:
        await exams.delete_conflict(congress_id, conflict_id)


class SlotController(Controller):
    path = "/api/congresses/{congress_id:uuid}/exam/slots"
    tags = ["Diploma"]
    dependencies = {"exams": service(ExamService)}

    @http.get("/", access=EXAM_PEOPLE, summary="Oral slots (examiners: where they sit; candidates: their own)")
    async def list_slots(self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID]) -> list[SlotRead]:
        return await exams.list_slots(congress_id)

    @http.post("/", access=http.ORGANISER, errors=(409,), summary="Place a slot by hand (pinned unless told otherwise)")
    async def create_slot(
        self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID], data: JSONBody[SlotCreate]
    ) -> SlotRead:
        return await exams.create_slot(congress_id, data)

    @http.get("/{slot_id:uuid}", access=EXAM_PEOPLE, summary="Read an oral slot")
    async def get_slot(
        self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID], slot_id: FromPath[uuid.UUID]
    ) -> SlotRead:
        return await exams.get_slot(congress_id, slot_id)

    @http.patch("/{slot_id:uuid}", access=http.ORGANISER, errors=(409,), summary="Move a slot or change its panel")
    async def update_slot(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        slot_id: FromPath[uuid.UUID],
        data: JSONBody[SlotUpdate],
    ) -> SlotRead:
        return await exams.update_slot(congress_id, slot_id, data)

    @http.delete("/{slot_id:uuid}", access=http.ORGANISER, summary="Remove a slot")
    async def delete_slot(
        self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID], slot_id: FromPath[uuid.UUID]
    ) -> None:
        await exams.delete_slot(congress_id, slot_id)

    @http.post(
        "/{slot_id:uuid}/check-in",
        access=EXAMINERS,
        errors=(409,),
        status_code=200,
        summary="Check the candidate in at the exam (their registration must still be active)",
    )
    async def check_in(
        self, exams: NamedDependency[ExamService], congress_id: FromPath[uuid.UUID], slot_id: FromPath[uuid.UUID]
    ) -> SlotRead:
        return await exams.check_in(congress_id, slot_id)

    @http.put(
        "/{slot_id:uuid}/mark", access=EXAMINERS, errors=(409,), summary="Enter one's oral mark for the candidate"
    )
    async def set_mark(
        self,
        exams: NamedDependency[ExamService],
        congress_id: FromPath[uuid.UUID],
        slot_id: FromPath[uuid.UUID],
        data: JSONBody[MarkWrite],
    ) -> MarkRead:
        return await exams.set_mark(congress_id, slot_id, data)
