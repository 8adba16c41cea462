from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = "Interventions"

    def ready(self):
        from interventions.access import group_student_rule
        from schools.access import register_student_rule

        # Supervisors see the students placed in the groups they run.
        register_student_rule(group_student_rule)
