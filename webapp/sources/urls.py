from django.urls import path

from webapp.sources import views

app_name = "sources"
urlpatterns = [
    path("collections/<int:collection_id>/sources/new", views.source_create, name="create"),
    path("sources/<int:source_id>/edit", views.source_update, name="update"),
    path("sources/<int:source_id>/sync", views.source_sync, name="sync"),
    path("sources/<int:source_id>/delete", views.source_delete, name="delete"),
]
