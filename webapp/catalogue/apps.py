from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "webapp.catalogue"
    verbose_name = _("model catalogue")
    default_auto_field = "django.db.models.BigAutoField"
