from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"

    def ready(self):
        from dashboards.cycle import register

        # The teams' cycle reads assessments and cases, which teams may not
        # import: its loader lives here and registers itself with teams.
        register()
