from django.contrib import admin
from django.urls import include, path, re_path

from project.api import views

handler404 = "project.api.views.not_found"
handler500 = "project.api.views.server_error"

urlpatterns = [
    re_path(r"^$", views.versions),
    re_path(r"^versions/?$", views.versions),
    path("v2/", include("metadefs.api.urls")),
    path("v2/", include("images.api.urls")),
    path("admin/", admin.site.urls),
]
