"""The portal's URLs, and the floor the contact benchmark measures against: a Django view doing one
INSERT (``POST /bench/bare-insert/``, no sign-in, no CSRF token), through the portal's middleware."""

from django.http import HttpResponse, HttpResponseNotAllowed
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from bench.bare_insert.models import Hit
from config.urls import urlpatterns as portal_urlpatterns


@csrf_exempt
def bare_insert(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    Hit.objects.create(note=request.POST.get("note", "")[:100])
    return HttpResponse("created", status=201, content_type="text/plain")


urlpatterns = [path("bench/bare-insert/", bare_insert, name="bench_bare_insert"), *portal_urlpatterns]
