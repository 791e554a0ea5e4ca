"""The audit of who may do what: every change to a user (their roles, the ``groups``, included) and
to a group is kept with who made it, when and what it became (django-simple-history, whose request
middleware supplies the who). Sign-ins, failed sign-ins and sign-outs are django-axes' logs
(``config.auth``); a unit's leader is in the unit's own history (``liaison.models.Unit``).

The historical models live in this package's app (``portal_config``), as simple-history documents
for models the project does not own. Password hashes and the last sign-in are not copied.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from simple_history import register

User = get_user_model()

register(User, app="config", excluded_fields=["password", "last_login"], m2m_fields=[User.groups.field])
register(Group, app="config", m2m_fields=[Group.permissions.field])
