"""Every change of state to the platform registry that is not about who serves a platform.

Creating and editing a platform checks the model's own rules (choices, lengths, the unique name);
deactivating, deleting and handing over are liaison.services', since they end assignments.
"""

from django.db import transaction

from .models import Platform

#: The fields a platform is created and edited with.
EDITABLE_FIELDS = (
    "name", "level", "category", "host_institution", "district", "technology_field", "address",
    "contact_person", "contact_phone", "contact_email", "preferred_channel", "preferred_times", "batch",
)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


@transaction.atomic
def platform_create(
    *,
    name: str,
    level: str,
    category: str,
    host_institution: str,
    district: str,
    technology_field: str = "",
    address: str = "",
    contact_person: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    preferred_channel: str = "",
    preferred_times: str = "",
    batch: int = 1,
) -> Platform:
    values = {name_: _strip(value) for name_, value in locals().items() if name_ in EDITABLE_FIELDS}
    platform = Platform(**values)
    platform.full_clean()
    platform.save()
    return platform


@transaction.atomic
def platform_update(*, platform: Platform, **changes) -> Platform:
    """Change any of ``EDITABLE_FIELDS``; saves only the fields that differ."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"platform_update() got unexpected fields: {sorted(unknown)}")
    platform = Platform.objects.select_for_update().get(pk=platform.pk)
    changed = [name for name, value in changes.items() if getattr(platform, name) != _strip(value)]
    if not changed:
        return platform
    for name in changed:
        setattr(platform, name, _strip(changes[name]))
    platform.full_clean()
    platform.save(update_fields=[*changed, "updated_at"])
    return platform
