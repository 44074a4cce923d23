from django.urls import path

from webapp.chat import views

app_name = "chat"
urlpatterns = [
    path("", views.chat_page, name="home"),
    path("c/<int:conversation_id>/", views.chat_page, name="conversation"),
    path("c/messages/<int:message_id>/", views.message_detail, name="message-detail"),
    path("documents/<int:document_id>/original", views.document_original, name="document-original"),
]
