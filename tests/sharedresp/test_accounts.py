import re

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()


def sign_up(client, email="new@example.com", name="New Person", password=PASSWORD):
    return client.post(
        "/accounts/signup/",
        {"name": name, "email": email, "password1": password, "password2": password},
    )


def test_sign_up_creates_a_learner_and_logs_them_in(client):
    response = sign_up(client, email="New@Example.com")
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "new@example.com"
    assert user.name == "New Person"
    assert not user.is_staff
    assert not user.is_facilitator
    assert not user.is_manager
    assert client.get("/").context["user"] == user


def test_sign_up_refuses_an_email_already_used_in_any_case(client, learner):
    response = sign_up(client, email=learner.email.upper())
    assert response.status_code == 200
    assert "An account with this email already exists" in response.text
    assert User.objects.count() == 1


def test_sign_up_shows_every_error_and_saves_nothing(client):
    response = client.post("/accounts/signup/", {"name": "", "email": "not-an-email"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert 'href="#id_email"' in response.text
    assert User.objects.count() == 0


def test_sign_up_can_be_closed(client, settings):
    settings.SIGNUP_OPEN = False
    assert client.get("/accounts/signup/").status_code == 403
    response = sign_up(client)
    assert response.status_code == 403
    assert "Sign-up is closed" in response.text
    assert User.objects.count() == 0
    assert 'href="/accounts/signup/"' not in client.get("/").text


def test_log_in_with_email_in_any_case_and_log_out(client, learner):
    response = client.post(
        "/accounts/login/", {"username": "ALICE@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"] == learner
    client.post("/accounts/logout/")
    assert not client.get("/").context["user"].is_authenticated


def test_wrong_password_is_a_form_error(client, learner):
    response = client.post("/accounts/login/", {"username": learner.email, "password": "nope"})
    assert response.status_code == 200
    assert "There is a problem" in response.text


def test_password_change(client, learner):
    client.force_login(learner)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a new long passphrase 7",
            "new_password2": "a new long passphrase 7",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("a new long passphrase 7")


def test_password_reset_by_emailed_link(client, learner, mailoutbox):
    client.post("/accounts/password_reset/", {"email": learner.email})
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mailoutbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.text
    response = client.post(
        form_page.redirect_chain[-1][0],
        {
            "new_password1": "reset passphrase number 9",
            "new_password2": "reset passphrase number 9",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("reset passphrase number 9")


def test_password_reset_for_unknown_email_sends_nothing_and_says_the_same(client, mailoutbox):
    response = client.post(
        "/accounts/password_reset/", {"email": "nobody@example.com"}, follow=True
    )
    assert "Check your email" in response.text
    assert mailoutbox == []


def test_roles_come_from_groups(learner, facilitator, manager, staff):
    assert (learner.is_facilitator, learner.is_manager) == (False, False)
    assert facilitator.is_facilitator
    assert not facilitator.is_manager
    assert manager.is_manager
    assert not manager.is_facilitator
    assert staff.is_staff


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/sharedresp/user/", "/admin/sharedresp/user/add/", "/admin/auth/group/"],
)
def test_admin_works_for_staff(client, staff, learner, path):
    client.force_login(staff)
    assert client.get(path).status_code == 200


def test_admin_is_closed_to_learners(client, learner):
    client.force_login(learner)
    assert client.get("/admin/").status_code == 302


def test_staff_can_add_a_user_in_admin(client, staff):
    client.force_login(staff)
    response = client.post(
        "/admin/sharedresp/user/add/",
        {"email": "added@example.com", "name": "Added", "usable_password": "false"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(email="added@example.com").has_usable_password()
