from django.contrib import admin
from django.urls import include, path, re_path

from images.api import openapi as images_openapi
from metadefs.api import openapi as metadefs_openapi
from project.api import health, openapi, views
from project.observability.views import metrics

handler404 = "project.api.views.not_found"
handler500 = "project.api.views.server_error"

urlpatterns = [
    re_path(r"^$", views.versions),
    re_path(r"^versions/?$", views.versions),
    path("healthcheck", health.healthcheck),
    path("metrics", metrics),
    path("v2/openapi.json", openapi.openapi_view(openapi.project_paths, images_openapi.paths, metadefs_openapi.paths)),
    path("v2/", include("metadefs.api.urls")),
    path("v2/", include("images.api.urls")),
    path("admin/", admin.site.urls),
]
