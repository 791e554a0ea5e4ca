"""What the liaison room announces to the rooms that use it, without importing them.

``issues`` uses ``liaison``, never the other way round (STYLE.md): where a change here matters
there, a service here sends a signal and ``issues`` connects its receiver (``IssuesConfig.ready``).
"""

from django.dispatch import Signal

#: A platform moved to another responsible cadre. Sent by the liaison service that starts the new
#: assignment, inside its transaction (a receiver's failure rolls the whole change back), whether
#: the move was one step (``assignment_transfer``) or two (the old assignment ended, the platform
#: assigned again later, through ``assignment_create`` or ``cadre_set_platforms``). A platform's
#: first assignment is no transfer and sends nothing. Arguments, all keyword:
#:
#: - ``platform``: the platform;
#: - ``from_cadre``: the cadre of its previous assignment; ``to_cadre``: the new cadre;
#: - ``reason``: why the previous assignment ended (its ``end_reason``);
#: - ``on``: the first day of the new responsibility (the new assignment's ``start_date``);
#: - ``assignment``: the new assignment;
#: - ``by``: the user who made the change, or None when the caller did not say;
#: - ``hand_over``: the key of the leaving cadre's hand-over this move is part of, or None. The
#:   successor is then told once of the whole hand-over (``cadre_handed_over``), not per platform.
platform_transferred = Signal()

#: A leaving cadre's platforms were handed over (``services.cadre_hand_over``), after each one's
#: ``platform_transferred``, inside the same transaction. Arguments, all keyword:
#:
#: - ``key``: what identifies this hand-over (unique: the oldest of the ended assignments);
#: - ``from_cadre``: the leaving cadre;
#: - ``received``: each successor (a ``Cadre``) -> the list of their new ``Assignment`` rows;
#: - ``reason``, ``on``, ``by``: as for ``platform_transferred``.
cadre_handed_over = Signal()
