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
    path(
        "attempts/<int:attempt_id>/exam/<int:position>/",
        views.exam_question,
        name="exam_question",
    ),
    path("attempts/<int:attempt_id>/submit", views.submit, name="submit"),
    path("attempts/<int:attempt_id>/review/", views.review, name="review"),
    path("review/", views.review_deck, name="review_deck"),
    path("review/<int:card_id>/", views.review_card, name="review_card"),
    path("review/answers/<int:answer_id>/", views.review_answer, name="review_answer"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/<slug:slug>/", views.incident_detail, name="incident"),
    path("certificates/", views.certificate_lookup, name="certificate_lookup"),
    path("certificates/<str:code>/", views.verify, name="verify"),
    path("certificates/<str:code>/print", views.certificate_print, name="certificate_print"),
    path("certificates/<str:code>/qr.svg", views.certificate_qr, name="certificate_qr"),
    path("certificates/<str:code>/revoke", views.revoke, name="certificate_revoke"),
]
