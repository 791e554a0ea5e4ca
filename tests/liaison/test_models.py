"""The limits on free text hold in the models themselves: ``full_clean`` refuses an over-long text."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from issues.models import ExtensionRequest, Issue, IssueEvent
from liaison.models import Contact
from platforms.models import Platform


@pytest.mark.parametrize(
    "model, field, limit",
    [
        (Contact, "summary", 2000),
        (Contact, "needs", 2000),
        (Contact, "people_met", 300),
        (Issue, "title", 200),
        (Issue, "description", 2000),
        (Issue, "resolution", 2000),
        (Issue, "rating_comment", 500),
        (IssueEvent, "note", 2000),
        (ExtensionRequest, "reason", 500),
        (ExtensionRequest, "decision_note", 500),
        (Platform, "preferred_times", 200),
    ],
)
def test_full_clean_refuses_an_over_long_text_with_the_plain_message(model, field, limit):
    instance = model(**{field: "长" * (limit + 1)})

    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            instance.full_clean(exclude=[f.name for f in model._meta.fields if f.name != field])
        # The message is lazy: read it in the language it is checked in.
        assert refused.value.message_dict[field] == [
            f"At most {limit} characters (this has {limit + 1}): please shorten it."
        ]


@pytest.mark.parametrize(
    "model, field", [(Contact, "summary"), (Issue, "description"), (IssueEvent, "note"), (Platform, "address")]
)
def test_a_text_at_its_limit_is_accepted(model, field):
    limit = model._meta.get_field(field).max_length
    model(**{field: "长" * limit}).full_clean(exclude=[f.name for f in model._meta.fields if f.name != field])
