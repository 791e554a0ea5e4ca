# The notices' tests exercise the machinery with the issues room's notices (reminders, escalations),
# so they share its fixtures: people, units, issues, moving the clock, eager Celery.
from tests.issues.conftest import *  # noqa: F403
