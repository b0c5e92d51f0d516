from django.apps import AppConfig


class ProjectConfig(AppConfig):
    name = "project"
    verbose_name = "Service"

    def ready(self):
        from django.core.signals import request_finished

        from project import lookups, sqlite_maintenance

        lookups.register()
        request_finished.connect(sqlite_maintenance.optimize_now_and_then)
