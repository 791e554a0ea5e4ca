"""What the voice room does when the rooms it uses announce a change (connected in
``VoiceConfig.ready``; issues imports nothing of voice)."""

from django.dispatch import receiver

from issues.signals import issue_closed

from . import services


@receiver(issue_closed, dispatch_uid="voice.rating_link_for_closure")
def on_issue_closed(sender, *, issue, **kwargs):
    """Each closure gets its rating link, e-mailed to the platform's contact once."""
    services.rating_link_for_closure(issue=issue)
