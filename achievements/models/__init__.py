"""The achievements room's models, one module per concept, re-exported here.

- ``achievement``: the achievement, its stages, assessment and timeline.
- ``demand``: technology demands of districts and parks, and matches of achievements to them.
- ``service``: the services given to platforms (service records).
- ``corpus``: the version of the words suggestions are ranked against.
"""

from .achievement import (
    ACTIVE_STAGES,
    ASSESSED_STAGES,
    MATCHABLE_STAGES,
    READINESS_MAX,
    READINESS_MIN,
    STAGE_ORDER,
    Achievement,
    AchievementEvent,
    AchievementType,
    Judgement,
    Stage,
    TechnologyField,
    TransformationMode,
    readiness_choices,
    readiness_meanings,
)
from .corpus import CorpusVersion
from .demand import LIVE_MATCH_STATUSES, MATCH_STATUS_ORDER, Demand, DemandStatus, Match, MatchStatus
from .service import ServiceKind, ServiceRecord

__all__ = [
    "ACTIVE_STAGES",
    "ASSESSED_STAGES",
    "MATCHABLE_STAGES",
    "READINESS_MAX",
    "READINESS_MIN",
    "STAGE_ORDER",
    "Achievement",
    "CorpusVersion",
    "Demand",
    "DemandStatus",
    "LIVE_MATCH_STATUSES",
    "MATCH_STATUS_ORDER",
    "Match",
    "MatchStatus",
    "AchievementEvent",
    "AchievementType",
    "Judgement",
    "Stage",
    "TechnologyField",
    "TransformationMode",
    "readiness_choices",
    "readiness_meanings",
    "ServiceKind",
    "ServiceRecord",
]
