from django.urls import path

from . import views

app_name = "lessons"
urlpatterns = [
    path("lessons/", views.course, name="course"),
    path("lessons/<slug:lesson_slug>/", views.lesson, name="lesson"),
    path("lessons/<slug:lesson_slug>/complete", views.complete, name="complete"),
    path("lessons/<slug:lesson_slug>/<slug:step_slug>/", views.step, name="step"),
    path("explorer/", views.explorer_start, name="explorer_start"),
    path("explorer/<slug:service_slug>/", views.explorer, name="explorer"),
    path("explorer/<slug:service_slug>/sort/", views.sort_stack, name="sort"),
    path("explorer/<slug:service_slug>/<slug:layer_slug>/", views.explorer, name="explorer_layer"),
    path("company-owners/", views.company_owners, name="company_owners"),
    path(
        "company-owners/<int:owner_id>/remove",
        views.remove_company_owner,
        name="remove_company_owner",
    ),
]
