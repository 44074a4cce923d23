from django.urls import path, re_path

from webapp.openai_compat import views

app_name = "openai"
urlpatterns = [
    path("models", views.models_list, name="models"),
    # Model ids may hold ':' and '/' (profile and collection names): everything after models/ is the id.
    re_path(r"^models/(?P<model_id>.+)$", views.model_detail, name="model"),
    path("chat/completions", views.chat_completions, name="chat-completions"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
