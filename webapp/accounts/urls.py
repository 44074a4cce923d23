from django.urls import path

from webapp.accounts import views

app_name = "account"
urlpatterns = [
    path("tokens/", views.tokens_page, name="tokens"),
    path("tokens/<int:token_id>/revoke", views.token_revoke_view, name="token-revoke"),
    path("password/", views.PasswordChange.as_view(), name="password"),
    path("password/done/", views.PasswordChangeDone.as_view(), name="password-done"),
]
