from django.urls import path

from webapp.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.documents_page, name="list"),
    path("status", views.documents_status, name="status"),
    path("<int:document_id>/retry", views.document_retry, name="retry"),
    path("<int:document_id>/delete", views.document_delete, name="delete"),
]
