from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "webapp.access"
    label = "access"
    verbose_name = "access"
