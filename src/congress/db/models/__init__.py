"""All tables, one module per aggregate."""

from congress.db.models.auth import ApiToken
from congress.db.models.congress import Congress, Room
from congress.db.models.exams import (
    ExamApplication,
    ExamConflict,
    Examiner,
    ExamPanelSeat,
    ExamSitting,
    ExamSlot,
    ExamWorkstation,
    OralMark,
)
from congress.db.models.people import Membership, Person
from congress.db.models.programme import Availability, FacultyLink, ItemPrecedence, ProgrammeItem
from congress.db.models.publishing import (
    AgendaStar,
    FeedToken,
    OutboxMessage,
    PublishedEvent,
    PublishedFaculty,
    WorkshopSeat,
)
from congress.db.models.registration import Registration
from congress.db.models.schedule import Assignment, ScheduleVersion
from congress.db.models.solve import SolveRun

__all__ = [
    "AgendaStar",
    "ApiToken",
    "Assignment",
    "Availability",
    "Congress",
    "ExamApplication",
    "ExamConflict",
    "ExamPanelSeat",
    "ExamSitting",
    "ExamSlot",
    "ExamWorkstation",
    "Examiner",
    "FacultyLink",
    "FeedToken",
    "ItemPrecedence",
    "Membership",
    "OralMark",
    "OutboxMessage",
    "Person",
    "ProgrammeItem",
    "PublishedEvent",
    "PublishedFaculty",
    "Registration",
    "Room",
    "ScheduleVersion",
    "SolveRun",
    "WorkshopSeat",
]
