from django.apps import AppConfig


class ProjectConfig(AppConfig):
    name = "project"
    verbose_name = "Service"

    def ready(self):
        from project import lookups

        lookups.register()
