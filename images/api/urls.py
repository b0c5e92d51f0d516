from django.urls import path, re_path

from images.api import cache_views, import_views, views
from images.schemas import DOCUMENTS
from project.api.views import schema_view

IMAGE = "images/<str:image_id>"

urlpatterns = [
    path("images", views.ImageList.as_view()),
    path(IMAGE, views.ImageDetail.as_view()),
    path(f"{IMAGE}/file", views.ImageFile.as_view()),
    re_path(r"^images/(?P<image_id>[^/]+)/actions/(?P<action>deactivate|reactivate)$", views.ImageAction.as_view()),
    path(f"{IMAGE}/tags/<str:tag>", views.ImageTag.as_view()),
    path(f"{IMAGE}/members", views.MemberList.as_view()),
    path(f"{IMAGE}/members/<str:member_id>", views.MemberDetail.as_view()),
    path(f"{IMAGE}/stage", import_views.ImageStage.as_view()),
    path(f"{IMAGE}/import", import_views.ImageImport.as_view()),
    path(f"{IMAGE}/tasks", import_views.ImageTasks.as_view()),
    path(f"{IMAGE}/locations", import_views.ImageLocations.as_view()),
    path("tasks", import_views.TaskList.as_view()),
    path("tasks/<str:task_id>", import_views.TaskDetail.as_view()),
    path("info/import", import_views.ImportInfo.as_view()),
    path("info/usage", views.Usage.as_view()),
    path("info/stores", views.StoresInfo.as_view()),
    path("info/stores/detail", views.StoresInfo.as_view(detail=True)),
    path("stores/<str:store_id>/<str:image_id>", views.StoreCopy.as_view()),
    path("cache", cache_views.CacheState.as_view()),
    path("cache/clean", cache_views.CacheClean.as_view()),
    path("cache/prune", cache_views.CachePrune.as_view()),
    path("cache/nodes/<str:image_id>", cache_views.CacheNodes.as_view()),
    path("cache/<str:image_id>", cache_views.CacheEntry.as_view()),
] + [path(f"schemas/{name}", schema_view(document, base=views.ImagesView)) for name, document in DOCUMENTS.items()]
