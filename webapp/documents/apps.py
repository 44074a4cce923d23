from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "webapp.documents"
    label = "documents"

    def ready(self):
        from webapp.documents import services  # noqa: F401  (connects document_deleted)
