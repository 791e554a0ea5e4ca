from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .access import roles_of


@login_required
def home(request):
    """Each role lands on its own home page."""
    roles = roles_of(request.user)
    if roles.is_admin:
        return redirect("admin:index")
    return render(request, "liaison/home.html", {"roles": roles})
