from django.urls import path

from . import views

app_name = "quiz"

urlpatterns = [
    path("quizzes/", views.quiz_list, name="list"),
    # Before <slug:slug>/, which would otherwise take "stats" for a quiz's slug.
    path("quizzes/stats/", views.stats, name="stats"),
    path("quizzes/<slug:slug>/", views.quiz_detail, name="detail"),
    path("quizzes/<slug:slug>/start", views.start, name="start"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt"),
    path(
        "attempts/<int:attempt_id>/questions/<int:position>/",
        views.question,
        name="question",
    ),
    path("attempts/<int:attempt_id>/submit", views.submit, name="submit"),
    path("attempts/<int:attempt_id>/review/", views.review, name="review"),
]
