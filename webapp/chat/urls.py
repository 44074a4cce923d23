from django.urls import path

from webapp.chat import views

app_name = "chat"
urlpatterns = [
    path("", views.chat_page, name="home"),
    path("c/<int:conversation_id>/", views.chat_page, name="conversation"),
    path("c/<int:conversation_id>/rename", views.conversation_rename, name="conversation-rename"),
    path("c/<int:conversation_id>/delete", views.conversation_delete, name="conversation-delete"),
    path("c/messages/<int:message_id>/", views.message_detail, name="message-detail"),
    path("c/messages/<int:message_id>/regenerate", views.answer_regenerate, name="answer-regenerate"),
    path("c/messages/<int:message_id>/edit", views.question_edit, name="question-edit"),
    path("c/messages/<int:message_id>/feedback", views.feedback_give, name="feedback"),
    path("documents/<int:document_id>/original", views.document_original, name="document-original"),
]
