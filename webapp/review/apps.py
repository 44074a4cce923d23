from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "webapp.review"
    label = "review"

    def ready(self):
        from webapp.review import signals  # noqa: F401  (re-runs evaluation sets when a model profile changes)
