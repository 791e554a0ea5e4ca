from .access import roles_of


def portal(request):
    """The signed-in user's roles, for the navigation of every page."""
    return {"roles": roles_of(request.user)}
