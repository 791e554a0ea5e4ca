"""The portal's session engine (``SESSION_ENGINE``): Django's database sessions, each remembering
when its stored row ends (``expire_date``, read with it, no extra query), so that
``config.middleware.SlidingSessionMiddleware`` moves that end on only when it is due."""

from django.contrib.sessions.backends import db


class SessionStore(db.SessionStore):
    #: When the stored session ends, as read (None for a session not read from the database).
    stored_expiry = None

    def _get_session_from_db(self):
        stored = super()._get_session_from_db()
        self.stored_expiry = stored.expire_date if stored is not None else None
        return stored
