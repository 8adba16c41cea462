"""The default ladder every new school starts from: Stevenson High School's
pyramid of interventions (docs/domain.md, "The intervention ladder").

Plain values, so the ladder can be read, tested and installed without a
request; `services.ladder_install_default` writes it.
"""

from dataclasses import dataclass, field

from interventions.models import ActionKind, GroupKind, Responsible


@dataclass(frozen=True)
class ActionSpec:
    title: str
    responsible: str
    due_within_days: int
    repeats_weekly: bool = False
    kind: str = ActionKind.TASK


@dataclass(frozen=True)
class RungSpec:
    name: str
    tier: int
    description: str
    review_days: int
    group_kind: str = ""
    sends_parent_notice: bool = False
    needs_contract: bool = False
    actions: tuple[ActionSpec, ...] = field(default_factory=tuple)


SIX_WEEKS = 42

DEFAULT_LADDER: tuple[RungSpec, ...] = (
    RungSpec(
        name="Support",
        tier=1,
        description=(
            "The teacher, the counselor and the faculty advisor each talk with the "
            "student; the school tells the parents; the student gets a pass from "
            "study hall to the tutoring centre, and an older student mentor helps "
            "with homework in the daily advisory period."
        ),
        review_days=SIX_WEEKS,
        group_kind=GroupKind.TUTORING_CENTRE,
        sends_parent_notice=True,
        actions=(
            ActionSpec(
                "Talk with the student about the outcome", Responsible.TEACHER, 5
            ),
            ActionSpec("Talk with the student", Responsible.COUNSELOR, 5),
            ActionSpec("Talk with the student", Responsible.FACULTY_ADVISOR, 5),
            ActionSpec(
                "Notify the parents",
                Responsible.COUNSELOR,
                3,
                kind=ActionKind.PARENT_CONTACT,
            ),
            ActionSpec(
                "Give a study-hall pass to the tutoring centre",
                Responsible.COUNSELOR,
                3,
            ),
            ActionSpec(
                "Arrange an older student mentor in advisory",
                Responsible.FACULTY_ADVISOR,
                7,
            ),
        ),
    ),
    RungSpec(
        name="Required tutoring",
        tier=2,
        description=(
            "Tutoring during study hall is required, not invited: at least two "
            "sessions a week until the classroom teacher sees mastery. The "
            "counselor checks progress every week."
        ),
        review_days=SIX_WEEKS,
        group_kind=GroupKind.REQUIRED_TUTORING,
        sends_parent_notice=True,
        actions=(
            ActionSpec(
                "Tell the student tutoring is now required", Responsible.COUNSELOR, 3
            ),
            ActionSpec(
                "Send the tutors what the student must learn", Responsible.TEACHER, 5
            ),
            ActionSpec(
                "Weekly progress check",
                Responsible.COUNSELOR,
                7,
                repeats_weekly=True,
                kind=ActionKind.PROGRESS_CHECK,
            ),
        ),
    ),
    RungSpec(
        name="Guided study hall",
        tier=3,
        description=(
            "A daily guided study hall of ten or fewer students. Its supervisor "
            "learns from the teachers what homework is due and watches that it is "
            "done. The parents meet at school, and the student, the parents, the "
            "counselor and the teacher sign a contract saying what each will do."
        ),
        review_days=SIX_WEEKS,
        group_kind=GroupKind.GUIDED_STUDY_HALL,
        sends_parent_notice=True,
        needs_contract=True,
        actions=(
            ActionSpec(
                "Hold the parent meeting at school",
                Responsible.COUNSELOR,
                7,
                kind=ActionKind.PARENT_CONTACT,
            ),
            ActionSpec(
                "Sign the contract", Responsible.COUNSELOR, 10, kind=ActionKind.CONTRACT
            ),
            ActionSpec(
                "Send the supervisor the homework that is due",
                Responsible.TEACHER,
                7,
                repeats_weekly=True,
            ),
            ActionSpec(
                "Weekly progress check",
                Responsible.COUNSELOR,
                7,
                repeats_weekly=True,
                kind=ActionKind.PROGRESS_CHECK,
            ),
        ),
    ),
)
