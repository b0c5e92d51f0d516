from django.urls import path

from metadefs.api import views
from metadefs.schemas import DOCUMENTS
from project.api.views import schema_view

NS = "metadefs/namespaces/<str:namespace>"

urlpatterns = [
    path("metadefs/resource_types", views.ResourceTypeList.as_view()),
    path("metadefs/namespaces", views.NamespaceList.as_view()),
    path(NS, views.NamespaceDetail.as_view()),
    path(f"{NS}/resource_types", views.AssociationList.as_view()),
    path(f"{NS}/resource_types/<str:resource_type>", views.AssociationDetail.as_view()),
    path(f"{NS}/objects", views.ObjectList.as_view()),
    path(f"{NS}/objects/<str:name>", views.ObjectDetail.as_view()),
    path(f"{NS}/properties", views.PropertyList.as_view()),
    path(f"{NS}/properties/<str:name>", views.PropertyDetail.as_view()),
    path(f"{NS}/tags", views.TagList.as_view()),
    path(f"{NS}/tags/<str:name>", views.TagDetail.as_view()),
] + [path(f"schemas/metadefs/{name}", schema_view(document)) for name, document in DOCUMENTS.items()]
