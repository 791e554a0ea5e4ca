"""The achievements room's models, one module per concept, re-exported here.

- ``achievement``: the achievement, its stages, assessment and timeline.
- ``service``: the services given to platforms (service records).
"""

from .achievement import (
    ACTIVE_STAGES,
    ASSESSED_STAGES,
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
from .service import ServiceKind, ServiceRecord

__all__ = [
    "ACTIVE_STAGES",
    "ASSESSED_STAGES",
    "READINESS_MAX",
    "READINESS_MIN",
    "STAGE_ORDER",
    "Achievement",
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
