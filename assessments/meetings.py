"""Linking a common assessment to its data meeting: the team meeting where its
results are discussed. A write, kept apart from `services.py` so the data page
owns it whole; the meetings to choose from are read by
`selectors.data_meeting_choices`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.events import EventType
from accounts.models import User
from accounts.services import event_record
from assessments.models import CommonAssessment
from teams.models import Meeting


def data_meeting_set(
    *, assessment: CommonAssessment, meeting: Meeting | None, actor: User
) -> None:
    if meeting is not None and meeting.team_id != assessment.team_id:
        raise ValidationError({"meeting": "Choose one of the team's meetings."})
    old_id = assessment.data_meeting_id
    new_id = meeting.pk if meeting else None
    if old_id == new_id:
        return
    with transaction.atomic():
        CommonAssessment.objects.filter(pk=assessment.pk).update(data_meeting=meeting)
        assessment.data_meeting = meeting
        event_record(
            type=EventType.DATA_MEETING_LINKED,
            actor=actor,
            team=assessment.team,
            assessment=assessment,
            before={"data_meeting_id": old_id},
            after={"data_meeting_id": new_id},
            summary=(
                f"Set the data meeting of “{assessment.title}” to {meeting}."
                if meeting
                else f"Cleared the data meeting of “{assessment.title}”."
            ),
        )
