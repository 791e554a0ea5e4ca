"""What the issues room announces to the rooms that use it (they connect in their AppConfig.ready;
issues imports none of them)."""

from django.dispatch import Signal

#: An issue's clock stopped, or it was resolved after a solution was determined: a closure the
#: platform may rate. Sent inside the service's transaction, with ``issue`` (saved, as it now
#: stands), ``kind`` ("resolved" or "solution_determined"), ``closure`` (1 for the issue's first
#: closure, one more after each reopening) and ``by`` (who closed it).
issue_closed = Signal()
