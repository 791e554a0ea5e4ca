"""The achievements room's models, one module per concept, re-exported here.

- ``achievement``: the achievement, its stages, assessment and timeline.
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
]
