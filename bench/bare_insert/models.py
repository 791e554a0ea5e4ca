from django.db import models


class Hit(models.Model):
    """One row per request of the bare view."""

    note = models.CharField(max_length=100)
    at = models.DateTimeField(auto_now_add=True)
