from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "webapp.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from webapp.audit import signals

        signals.connect_all()
