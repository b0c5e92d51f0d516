from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "images"

    def ready(self):
        from images import checks, features  # noqa: F401 - registers the start-up checks and API features
