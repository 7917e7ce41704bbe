from django.urls import path, register_converter

from . import views


class JoinCodeConverter:
    """Six letters and digits. Either case reaches the views: the join page corrects it."""

    regex = "[A-Za-z0-9]{6}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(JoinCodeConverter, "code")

app_name = "workshops"
urlpatterns = [
    path("workshops/", views.workshop_list, name="list"),
    path("workshops/<code:code>/", views.detail, name="detail"),
    path("workshops/<code:code>/items/add/<slug:kind>", views.add_item, name="add_item"),
    path("workshops/<code:code>/items/<int:item_id>/", views.edit_item, name="edit_item"),
    path("workshops/<code:code>/items/<int:item_id>/move", views.move_item, name="move_item"),
    path(
        "workshops/<code:code>/items/<int:item_id>/remove", views.remove_item, name="remove_item"
    ),
    path("workshops/<code:code>/host/", views.console, name="console"),
    path("workshops/<code:code>/host/control", views.control, name="control"),
    path("workshops/<code:code>/host/people/<int:participant_id>/", views.person, name="person"),
    path(
        "workshops/<code:code>/host/people/<int:participant_id>/remove",
        views.remove_person,
        name="remove_person",
    ),
    path("workshops/<code:code>/present/", views.present, name="present"),
    path("workshops/<code:code>/results/", views.results, name="results"),
    path("workshops/<code:code>/results.csv", views.export, name="export"),
    path("join/", views.join, name="join"),
    path("join/<code:code>/", views.participate, name="participate"),
    path("join/<code:code>/state", views.state, name="state"),
    path("join/<code:code>/events", views.events, name="events"),
    path("join/<code:code>/items/<int:item_id>/answer", views.answer, name="answer"),
    path("join/<code:code>/qr.svg", views.qr_code, name="qr"),
]
