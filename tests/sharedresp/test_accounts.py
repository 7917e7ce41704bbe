import re

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()


def sign_up(client, email="new@example.com", name="New Person"):
    return client.post("/accounts/signup/", {"name": name, "email": email})


def emailed_link(message):
    return re.search(r"https?://[^/]+(/accounts/\S+)", message.body).group(1)


def test_sign_up_creates_a_learner_once_the_emailed_link_is_opened(client, mailoutbox):
    response = sign_up(client, email="New@Example.com")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/sent/"
    assert "Check your email" in client.get(response["Location"]).text
    assert User.objects.count() == 0  # nothing is stored for an address nobody has read
    assert mailoutbox[0].to == ["new@example.com"]
    link = emailed_link(mailoutbox[0])
    assert "New Person, new@example.com" in client.get(link).text
    response = client.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "new@example.com"
    assert user.name == "New Person"
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert not user.is_facilitator
    assert not user.is_manager
    assert client.get("/").context["user"] == user
    # The link is spent: the account exists, so it now points to the log-in page.
    client.post("/accounts/logout/")
    assert client.get(link)["Location"] == "/accounts/login/"


def test_sign_up_for_an_address_with_an_account_answers_the_same(client, learner, mailoutbox):
    new = sign_up(client, email="someone.new@example.com")
    taken = sign_up(client, email=learner.email.upper())
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert User.objects.count() == 1
    assert mailoutbox[1].to == [learner.email]
    assert "already has one" in mailoutbox[1].body
    assert "/accounts/signup/" not in mailoutbox[1].body


def test_a_forged_or_expired_sign_up_link_is_refused(client, settings):
    response = client.get("/accounts/signup/not-a-token/")
    assert response.status_code == 400
    assert "This link has expired" in response.text
    settings.PASSWORD_RESET_TIMEOUT = -1
    from sharedresp.signup import make_token

    assert client.get(f"/accounts/signup/{make_token('a@example.com', 'A')}/").status_code == 400
    assert User.objects.count() == 0


def test_sign_up_shows_every_error_and_saves_nothing(client):
    response = client.post("/accounts/signup/", {"name": "", "email": "not-an-email"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert 'href="#id_email"' in response.text
    assert User.objects.count() == 0


def test_sign_up_can_be_closed(client, settings, mailoutbox):
    from sharedresp.signup import make_token

    link = f"/accounts/signup/{make_token('new@example.com', 'New')}/"
    settings.SIGNUP_OPEN = False
    assert client.get("/accounts/signup/").status_code == 403
    response = sign_up(client)
    assert response.status_code == 403
    assert "Sign-up is closed" in response.text
    choose = {"new_password1": PASSWORD, "new_password2": PASSWORD}
    assert client.post(link, choose).status_code == 403
    assert User.objects.count() == 0
    assert mailoutbox == []
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
