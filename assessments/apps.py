from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Common assessments"

    def ready(self):
        from assessments.selectors import proficiency_levels
        from teams.selectors import register_proficiency_source

        # SMART goal progress in teams reads mastery from here without importing it.
        register_proficiency_source(proficiency_levels)
