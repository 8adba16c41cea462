"""The one enumeration of everything that can happen in PLC.

Every state change a person or a job makes is written as one `accounts.Event`
of one of these types, by the service that makes the change and inside its
transaction (see docs/domain.md, "The record of change"). The value is stored;
the label is what people read on a history page.
"""

from django.db import models


class EventType(models.TextChoices):
    # Roster and accounts
    ROSTER_IMPORT_QUEUED = "roster.import_queued", "Roster import queued"
    ROSTER_IMPORTED = "roster.imported", "Roster imported"
    ROSTER_IMPORT_REFUSED = "roster.import_refused", "Roster import refused"
    PASSWORD_SET_SENT = "user.password_set_sent", "Password-set e-mail sent"
    # The school's commitments
    COMMITMENTS_UPDATED = "commitments.updated", "Mission, vision and values edited"
    SCHOOL_GOAL_SAVED = "school_goal.saved", "School goal saved"
    # Teams
    TEAM_CREATED = "team.created", "Team created"
    TEAM_UPDATED = "team.updated", "Team edited"
    TEAM_ARCHIVED = "team.archived", "Team archived"
    TEAM_RESTORED = "team.restored", "Team restored"
    MEMBER_ADDED = "member.added", "Member added"
    MEMBER_ROLE_CHANGED = "member.role_changed", "Member's role changed"
    MEMBER_REMOVED = "member.removed", "Member removed"
    NORMS_UPDATED = "norms.updated", "Norms edited"
    OUTCOME_CREATED = "outcome.created", "Essential outcome added"
    OUTCOME_UPDATED = "outcome.updated", "Essential outcome edited"
    OUTCOME_RETIRED = "outcome.retired", "Essential outcome retired"
    OUTCOME_RESTORED = "outcome.restored", "Essential outcome restored"
    OUTCOME_MOVED = "outcome.moved", "Essential outcome reordered"
    OUTCOMES_IMPORTED = "outcome.imported", "Essential outcomes imported"
    GOAL_CREATED = "goal.created", "SMART goal set"
    GOAL_UPDATED = "goal.updated", "SMART goal edited"
    GOAL_BASELINE_OVERRIDDEN = "goal.baseline_overridden", "SMART goal baseline set"
    GOAL_CLOSED = "goal.closed", "SMART goal closed"
    MEETING_CREATED = "meeting.created", "Meeting held"
    MEETING_UPDATED = "meeting.updated", "Meeting notes edited"
    ACTION_CREATED = "action.created", "Action item added"
    ACTION_DONE = "action.done", "Action item done"
    ACTION_REOPENED = "action.reopened", "Action item reopened"
    # Common assessments
    ASSESSMENT_CREATED = "assessment.created", "Assessment created"
    ASSESSMENT_UPDATED = "assessment.updated", "Assessment edited"
    ASSESSMENT_ITEMS_CHANGED = "assessment.items", "Assessment items changed"
    ASSESSMENT_OPENED = "assessment.open", "Opened for entry"
    ASSESSMENT_FINALIZED = "assessment.finalized", "Finalized"
    ASSESSMENT_REOPENED = "assessment.reopened", "Reopened for entry"
    RETAKE_CREATED = "assessment.retake", "Retake created"
    DATA_MEETING_LINKED = "assessment.data_meeting", "Data meeting linked"
    RESULTS_UPLOADED = "assessment.upload", "Results uploaded"
    SCORE_CHANGED = "score.changed", "Result changed"
    RETEACH_DONE = "reteach.done", "Class retaught"
    RETEACH_UNDONE = "reteach.undone", "Reteach reopened"
    # The intervention ladder
    LADDER_CHANGED = "ladder.changed", "Ladder changed"
    ADVISOR_ASSIGNED = "student.advisor", "Faculty advisor assigned"
    MENTOR_ASSIGNED = "student.mentor", "Student mentor assigned"
    COUNSELOR_ASSIGNED = "student.counselor", "Counselor assigned"
    CASELOAD_RULES_CHANGED = "caseload.rules", "Caseload rules changed"
    CASE_OPENED = "case.opened", "Case opened"
    CASE_OUTCOME_ADDED = "case.outcome_added", "Outcome added to the case"
    CASE_RUNG_ENTERED = "case.rung_entered", "Rung entered"
    CASE_MOVED_UP = "case.moved_up", "Moved up a rung"
    CASE_MOVED_DOWN = "case.moved_down", "Moved down a rung"
    CASE_PLAN_NOT_DELIVERED = "case.plan_not_delivered", "Plan not delivered"
    CASE_EXITED = "case.exited", "Exited"
    CASE_REFERRED = "case.referred", "Referred"
    CASE_CLOSED = "case.closed", "Closed"
    CASE_REVIEW_SET = "case.review_set", "Review date set"
    CASE_OVERRIDE = "case.override", "Decision overridden"
    CASE_ACTION_DONE = "case.action_done", "Action done"
    CASE_ACTION_REOPENED = "case.action_reopened", "Action reopened"
    PROGRESS_CHECKED = "case.progress_check", "Progress check"
    PARENT_CONTACTED = "case.parent_contact", "Parent contact"
    CASE_NOTE_ADDED = "case.note", "Note"
    CONTRACT_CREATED = "case.contract", "Contract drawn up"
    CONTRACT_SIGNED = "case.contract_signed", "Contract signed"
    GROUP_SAVED = "group.saved", "Group saved"
    PLACED = "group.placed", "Placed in a group"
    WAITLISTED = "group.waitlisted", "Waitlisted for a group"
    PLACEMENT_ENDED = "group.placement_ended", "Left a group"
    ATTENDANCE_TAKEN = "group.attendance", "Attendance taken"
    # Parent notices: only queuing is a "notice." event, so a count of them is
    # the count of letters queued.
    NOTICE_QUEUED = "notice.queued", "Parent letter queued"
    NOTICE_SENT = "letter.emailed", "Parent letter e-mailed"
    NOTICE_SENT_HOME = "letter.sent_home", "Parent letter sent home on paper"
    LETTER_TEMPLATE_CHANGED = "letter.template_changed", "Parent letter edited"


# Jobs that act without a person: the `system` of an event with no actor.
SYSTEM_JOBS = ("roster_import", "seed_demo", "migration")
