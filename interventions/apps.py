from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = "Interventions"

    def ready(self):
        from assessments.hooks import on_mastery_changed
        from interventions.access import group_student_rule
        from interventions.tasks import flag_changed
        from schools.access import register_student_rule

        # Supervisors see the students placed in the groups they run.
        register_student_rule(group_student_rule)
        # A student's results finalized: flag them now, not at tomorrow's review.
        on_mastery_changed(flag_changed)
