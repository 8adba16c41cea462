import datetime

import factory
from django.utils import timezone

from teams.models import (
    ActionItem,
    EssentialOutcome,
    Meeting,
    SchoolGoal,
    SmartGoal,
    Team,
    TeamMembership,
)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    school = factory.SubFactory("schools.tests.factories.SchoolFactory")
    name = factory.Sequence(lambda n: f"Team {n}")
    kind = Team.Kind.COURSE

    @factory.post_generation
    def courses(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.courses.set(extracted)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory("accounts.tests.factories.UserFactory")
    role = TeamMembership.Role.MEMBER


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EssentialOutcome

    team = factory.SubFactory(TeamFactory)
    course = factory.SubFactory(
        "schools.tests.factories.CourseFactory",
        school=factory.SelfAttribute("..team.school"),
    )
    code = factory.Sequence(lambda n: f"EO{n}")
    statement = factory.Sequence(lambda n: f"I can do thing {n}.")
    standards = factory.LazyFunction(lambda: ["A-REI.B.3"])
    position = factory.Sequence(lambda n: n)


class SchoolGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolGoal

    school = factory.SubFactory("schools.tests.factories.SchoolFactory")
    title = factory.Sequence(lambda n: f"School goal {n}")


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SmartGoal

    team = factory.SelfAttribute("outcome.team")
    outcome = factory.SubFactory(OutcomeFactory)
    target = 80
    deadline = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=90)
    )


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    team = factory.SubFactory(TeamFactory)
    held_on = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=7)
    )
    agenda = "Review the common assessment"


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    meeting = factory.SubFactory(MeetingFactory)
    title = factory.Sequence(lambda n: f"Do task {n}")
    due_on = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=3)
    )
