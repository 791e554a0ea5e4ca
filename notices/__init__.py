"""The notification machinery, the leftmost room: notices with unique keys, the inbox, e-mail
delivery, and the bookkeeping of the periodic sweeps.

Every room sends through one door, ``notices.services.notices_send``, and declares its kinds of
notice and what they can be about in ``notices.registry`` (from its ``AppConfig.ready``).
"""
