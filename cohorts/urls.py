from django.urls import path

from . import views

app_name = "cohorts"

urlpatterns = [
    path("cohorts/", views.cohort_list, name="list"),
    # Before <slug:slug>/; a cohort's slug never takes these words (RESERVED_SLUGS).
    path("cohorts/new/", views.cohort_create, name="create"),
    path("cohorts/import/", views.import_members, name="import"),
    path("cohorts/<slug:slug>/", views.cohort_detail, name="detail"),
    path("cohorts/<slug:slug>/edit/", views.cohort_edit, name="edit"),
    path("cohorts/<slug:slug>/import/", views.import_members, name="import_into"),
    path("cohorts/<slug:slug>/report.csv", views.export_csv, name="export"),
    path(
        "cohorts/<slug:slug>/members/<int:membership_id>/remove",
        views.remove_member,
        name="remove_member",
    ),
    path(
        "cohorts/<slug:slug>/members/<int:membership_id>/send-link",
        views.send_link,
        name="send_link",
    ),
]
