"""What the issues room does when the rooms it uses announce a change (see ``liaison.signals``).

Each receiver calls one service; the connections are made in ``IssuesConfig.ready``.
"""

from . import services


def on_platform_transferred(sender, *, platform, from_cadre, to_cadre, reason, on, assignment, by=None,
                            hand_over=None, **kwargs):
    services.issues_note_transfer(
        platform=platform, from_cadre=from_cadre, to_cadre=to_cadre, reason=reason, on=on, assignment=assignment,
        by=by, notify=hand_over is None,
    )


def on_cadre_handed_over(sender, *, key, from_cadre, received, reason, on, by=None, **kwargs):
    services.issues_note_hand_over(key=key, from_cadre=from_cadre, received=received, reason=reason, on=on, by=by)
