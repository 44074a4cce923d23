from django.urls import path

from webapp.documents import collection_views, evaluation_views, insight_views, views

app_name = "documents"
urlpatterns = [
    path("", views.documents_page, name="list"),
    path("status", views.documents_status, name="status"),
    path("<int:document_id>/", views.document_detail, name="detail"),
    path("<int:document_id>/retry", views.document_retry, name="retry"),
    path("<int:document_id>/delete", views.document_delete, name="delete"),
    path("<int:document_id>/replace", views.document_replace, name="replace"),
    path("collections/", collection_views.collections_page, name="collections"),
    path("collections/new", collection_views.collection_create, name="collection-create"),
    path("collections/<int:collection_id>/edit", collection_views.collection_update, name="collection-update"),
    path("search/", insight_views.retrieval_test, name="search"),
    path("dashboard/", insight_views.dashboard, name="dashboard"),
    path("evaluation/", evaluation_views.evaluation_page, name="evaluation"),
]
