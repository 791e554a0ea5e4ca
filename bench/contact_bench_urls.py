"""The portal's URLs, and the floors the contact benchmark measures against (``bench/contact_bench.py``):

- ``POST /bench/bare-insert/``: a Django view doing one INSERT, no sign-in, no CSRF token, through
  the portal's middleware (the floor the issue set);
- ``POST /bench/signed-in-insert/``: the least a signed-in page's POST does: the session's user,
  the CSRF check, a form of one field validated, one INSERT, a redirect (as the contact page
  answers);
- ``POST /bench/api-insert/``: the least a POST to the portal's API does: DRF with the portal's
  authentication (a token) and permission classes, a serializer of one field, one INSERT, a 201
  with the row in JSON.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.bare_insert.models import Hit
from config.urls import urlpatterns as portal_urlpatterns


@csrf_exempt
def bare_insert(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    Hit.objects.create(note=request.POST.get("note", "")[:100])
    return HttpResponse("created", status=201, content_type="text/plain")


class HitForm(forms.ModelForm):
    class Meta:
        model = Hit
        fields = ["note"]


@login_required
def signed_in_insert(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = HitForm(request.POST)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    form.save()
    return redirect("/bench/signed-in-insert/")


class HitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hit
        fields = ["id", "note", "at"]


class ApiInsert(APIView):
    """The portal's default authentication and permission classes (settings.REST_FRAMEWORK)."""

    def post(self, request):
        serializer = HitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("bench/bare-insert/", bare_insert, name="bench_bare_insert"),
    path("bench/signed-in-insert/", signed_in_insert, name="bench_signed_in_insert"),
    path("bench/api-insert/", ApiInsert.as_view(), name="bench_api_insert"),
    *portal_urlpatterns,
]
