from django.urls import path

from webapp.review import views

app_name = "review"
urlpatterns = [
    path("", views.queue_page, name="queue"),
    path("answers/<int:message_id>/", views.answer_page, name="answer"),
    path("answers/<int:message_id>/case", views.case_create, name="case-create"),
    path("answers/<int:message_id>/reviewed", views.mark_reviewed, name="reviewed"),
    path("sets/", views.sets_page, name="sets"),
    path("sets/<int:collection_id>/", views.set_page, name="set"),
    path("cases/<int:case_id>/delete", views.case_delete, name="case-delete"),
    path("sets/<int:collection_id>/run", views.set_run, name="set-run"),
    path("sets/<int:collection_id>/export", views.set_export, name="set-export"),
    path("sets/<int:collection_id>/import", views.set_import, name="set-import"),
    path("runs/<int:run_id>/switch", views.profile_switch, name="switch"),
    path("gaps/", views.gaps_page, name="gaps"),
]
