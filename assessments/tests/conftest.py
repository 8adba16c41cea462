"""An Algebra 1 common assessment on top of the teams cast (`squad`).

Items 1 (4 points) and 2 (2 points) measure ALG1.EO1; item 3 (4 points) measures
ALG1.EO2. The lead is `teacher` (Rivera, section Period 1, three students); the
member `colleague` teaches Period 4 (two students).
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from assessments import services
from assessments.access import assessments_for
from teams.tests.conftest import squad  # noqa: F401 - the fixture, reused


@pytest.fixture
def exam(squad):  # noqa: F811
    assessment = services.assessment_create(
        team=squad.team,
        course=squad.course,
        title="Unit 1 common assessment",
        administered_on=datetime.date.today() - datetime.timedelta(days=7),
        actor=squad.teacher,
    )
    eo1, eo2, _ = squad.outcomes
    items = services.items_replace(
        assessment=assessment,
        items=[
            services.ItemSpec(1, Decimal(4), eo1, "Solve for x"),
            services.ItemSpec(2, Decimal(2), eo1),
            services.ItemSpec(3, Decimal(4), eo2, "Word problem"),
        ],
        actor=squad.teacher,
    )
    services.assessment_open(assessment=assessment, actor=squad.teacher)
    # As the pages load it, with its team and course, so that query counts
    # measure the code under test, not what an earlier service left cached.
    assessment = assessments_for(squad.teacher).get(pk=assessment.pk)
    return SimpleNamespace(**vars(squad), assessment=assessment, items=items)


def enter(exam, student, number, raw, *, actor=None, seen=None):
    """Type `raw` in the cell of item `number`, as the grid would."""
    from assessments.models import ItemScore

    item = exam.items[number - 1]
    if seen is None:
        current = ItemScore.objects.filter(item=item, student=student).first()
        seen = current.version if current else 0
    return services.score_enter(
        assessment=exam.assessment,
        item=item,
        student=student,
        raw=raw,
        seen_version=seen,
        actor=actor or exam.teacher,
    )
