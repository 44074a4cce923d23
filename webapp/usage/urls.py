from django.urls import path

from webapp.usage import views

app_name = "usage"
urlpatterns = [
    path("", views.usage_page, name="page"),
    path("usage.csv", views.usage_csv, name="csv"),
]
