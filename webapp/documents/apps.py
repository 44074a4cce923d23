from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "webapp.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from webapp.documents import services  # noqa: F401  (connects document_deleted)
