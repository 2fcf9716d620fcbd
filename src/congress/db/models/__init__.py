"""All tables, one module per aggregate."""

from congress.db.models.attendance import (
    Badge,
    BadgeKey,
    CmeStatement,
    Presence,
    Scan,
    ScannerDevice,
    SessionEvaluation,
)
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
    "Badge",
    "BadgeKey",
    "CmeStatement",
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
    "Presence",
    "ProgrammeItem",
    "PublishedEvent",
    "PublishedFaculty",
    "Registration",
    "Room",
    "Scan",
    "ScannerDevice",
    "ScheduleVersion",
    "SessionEvaluation",
    "SolveRun",
    "WorkshopSeat",
]
