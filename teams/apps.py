from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = "Collaborative teams"

    def ready(self):
        from schools.access import register_section_rule, register_student_rule
        from teams.access import team_section_rule, team_student_rule

        # "Our kids, not my kids": team members see every student of the team's
        # courses, not only those in their own sections.
        register_student_rule(team_student_rule)
        register_section_rule(team_section_rule)
