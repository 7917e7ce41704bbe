"""CSV import: validated whole, all or nothing, idempotent, with set-password emails."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cohorts import importing
from cohorts.models import Cohort, Membership
from tests.cohorts.conftest import DUE
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db
User = get_user_model()

GOOD = b"email,name\nana.ruiz@example.com,Ana Ruiz\nLi.Wei@Example.com, Li  Wei \n"


def upload(client, page_cohort, data: bytes, **extra):
    """Post `data` from the cohort's import page, its cohort chosen (as the page does)."""
    url = f"/cohorts/{page_cohort.slug}/import/" if page_cohort else "/cohorts/import/"
    form = {"file": SimpleUploadedFile("people.csv", data, "text/csv")}
    if page_cohort:
        form["cohort"] = page_cohort.pk
    return client.post(url, form | extra)


def problems(response) -> list[str]:
    """The error summary's items, without the "CSV file: " that starts the file's."""
    summary = re.search(r'class="error-summary".*?</ul>', response.text, re.DOTALL).group(0)
    items = re.findall(r"<li>(.*?)</li>", summary)
    return [re.sub(r"<[^>]+>", "", item).strip().removeprefix("CSV file: ") for item in items]


def parse(data: bytes, cohort):
    return importing.parse(data, Cohort.objects.all(), cohort)


def test_a_good_file_creates_accounts_adds_members_and_emails_links(
    manager_client, cohort, mailoutbox, run_tasks
):
    response = upload(manager_client, cohort, GOOD)
    assert response.status_code == 302
    assert mailoutbox == []  # the worker sends them, not the request
    run_tasks()
    assert response.url == cohort.get_absolute_url()
    ana = User.objects.get(email="ana.ruiz@example.com")
    li = User.objects.get(email="li.wei@example.com")
    assert li.name == "Li Wei"
    assert not ana.has_usable_password()
    assert set(cohort.members.all()) == {ana, li}
    assert sorted(mail.to[0] for mail in mailoutbox) == [ana.email, li.email]
    assert "Spring joiners: finish by Saturday 15 June 2030" in mailoutbox[0].body
    page = manager_client.get(cohort.get_absolute_url()).text
    assert (
        "Import complete: 2 memberships added, 0 already members. "
        "Everyone added is being emailed to say so." in page
    )


def test_the_set_password_link_lets_the_new_member_log_in(
    client, manager_client, cohort, mailoutbox, run_tasks
):
    upload(manager_client, cohort, GOOD)
    run_tasks()
    body = next(mail.body for mail in mailoutbox if mail.to == ["ana.ruiz@example.com"])
    link = re.search(r"http://testserver(/accounts/reset/\S+)", body).group(1)
    client.logout()
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.text
    set_password = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert set_password.status_code == 302
    assert client.login(username="ana.ruiz@example.com", password=PASSWORD)


def test_importing_the_same_file_twice_changes_nothing(
    manager_client, cohort, mailoutbox, run_tasks
):
    upload(manager_client, cohort, GOOD)
    run_tasks()
    users, memberships, sent = User.objects.count(), Membership.objects.count(), len(mailoutbox)
    assert sent == 2
    response = upload(manager_client, cohort, GOOD)
    assert response.status_code == 302
    run_tasks()
    assert (User.objects.count(), Membership.objects.count(), len(mailoutbox)) == (
        users,
        memberships,
        sent,
    )
    page = manager_client.get(cohort.get_absolute_url()).text
    assert "Import complete: 0 memberships added, 2 already members.<" in page


def test_existing_accounts_are_added_as_they_are_and_told_so(
    manager, manager_client, cohort, learner, mailoutbox, run_tasks
):
    response = upload(manager_client, cohort, b"email,name\nALICE@example.com,Someone Else\n")
    assert response.status_code == 302
    run_tasks()
    learner.refresh_from_db()
    assert learner.name == "Alice Learner"
    assert learner.check_password(PASSWORD)
    assert list(cohort.members.all()) == [learner]
    [notice] = mailoutbox
    assert notice.to == [learner.email]
    assert notice.reply_to == [manager.email]
    assert notice.subject == "You have been added to a training cohort"
    assert "Mona Manager now sees your progress" in notice.body
    assert "Spring joiners: finish by Saturday 15 June 2030" in notice.body
    assert "/accounts/reset/" not in notice.body
    # Imported again: already a member, so no second notice.
    upload(manager_client, cohort, b"email,name\nalice@example.com,Alice Learner\n")
    run_tasks()
    assert len(mailoutbox) == 1


def test_the_summary_does_not_tell_which_addresses_had_accounts(
    manager_client, cohort, learner, mailoutbox, run_tasks
):
    def summary(data):
        upload(manager_client, cohort, data)
        page = manager_client.get(cohort.get_absolute_url()).text
        return re.search(r"Import complete:[^<]*", page).group(0)

    had_account = summary(b"email,name\nalice@example.com,Alice Learner\n")
    had_none = summary(b"email,name\nnew.person@example.com,New Person\n")
    assert had_account == had_none
    run_tasks()
    assert len(mailoutbox) == 2


def test_company_domains_limit_the_addresses_that_can_be_imported(
    manager_client, cohort, settings
):
    settings.COHORT_DOMAINS = ["Example.com", "example.co.uk"]
    data = b"email,name\nana@EXAMPLE.COM,Ana\nli@example.co.uk,Li\nivo@gmail.com,Ivo\n"
    response = upload(manager_client, cohort, data)
    assert problems(response) == [
        "line 4: \u201civo@gmail.com\u201d is not an address of your organisation "
        "(example.com, example.co.uk)"
    ]
    assert not cohort.members.exists()


def test_a_file_with_any_bad_row_imports_nothing_and_lists_every_problem(
    manager_client, cohort, mailoutbox
):
    data = (
        b"email,name\n"
        b"good@example.com,Good Person\n"
        b"not-an-email,Bad Email\n"
        b"good@example.com,Good Person\n"
        b"nameless@example.com,\n"
        b",No Email\n"
        b"extra@example.com,Extra,cell\n"
        b"short@example.com\n"
        b"bell@example.com,Bell\x07\n"
        b"%s@example.com,Long Address\n"
    ) % (b"a" * 250)
    response = upload(manager_client, cohort, data)
    assert response.status_code == 200
    assert problems(response) == [
        "line 3: email address: Enter a valid email address.",
        "line 4: good@example.com is also on line 2",
        "line 5: full name: This field cannot be blank.",
        "line 6: email address: This field cannot be blank.",
        "line 7: it has 3 cells, not 2",
        "line 8: it has 1 cells, not 2",
        "line 9: the name holds a control character",
        "line 10: email address: Ensure this value has at most 254 characters (it has 262).",
    ]
    assert "This file has 8 problems, listed above. Nothing was imported." in response.text
    assert User.objects.filter(email__endswith="@example.com").count() == 1  # the manager
    assert Membership.objects.count() == 0
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            b"mail,name",
            [
                "line 1: the column “email” is missing",
                "line 1: “mail” is not a column we know",
                "line 1: the first line must name the columns: email, name, cohort",
            ],
        ),
        (
            b"email,name,name",
            [
                "line 1: the column “name” appears twice",
                "line 1: the first line must name the columns: email, name, cohort",
            ],
        ),
        (
            b"ana@example.com,Ana",
            [
                "line 1: the column “email” is missing",
                "line 1: the column “name” is missing",
                "line 1: “ana@example.com” is not a column we know",
                "line 1: “ana” is not a column we know",
                "line 1: the first line must name the columns: email, name, cohort",
            ],
        ),
    ],
)
def test_the_first_line_must_name_the_columns_exactly(cohort, header, expected):
    assert parse(header + b"\nli@example.com,Li\n", cohort) == ([], expected)


def test_header_names_ignore_case_and_spaces_and_a_byte_order_mark_is_fine(cohort):
    rows, found = parse(b"\xef\xbb\xbf Email , NAME\r\nli@example.com,Li\r\n", cohort)
    assert found == []
    assert [(row.line, row.email, row.name) for row in rows] == [(2, "li@example.com", "Li")]


def test_text_that_is_not_utf8_is_refused_with_its_lines(cohort):
    latin1 = "email,name\nana@example.com,Ana\nzoe@example.com,Zoë\nyan@example.com,Yán\n"
    assert parse(latin1.encode("latin-1"), cohort) == (
        [],
        [
            "line 3: this is not UTF-8 text: save the file as “CSV UTF-8” and upload it again",
            "line 4: this is not UTF-8 text: save the file as “CSV UTF-8” and upload it again",
        ],
    )
    rows, found = parse(latin1.encode("utf-8"), cohort)
    assert found == []
    assert rows[1].name == "Zoë"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"   \n\n", "The file is empty."),
        (b"email,name\n", "The file names the columns but has no employees in it."),
        (b"email,name\n,\n", "The file names the columns but has no employees in it."),
        (
            b"email,name\n" + b"a" * importing.MAX_BYTES,
            "The file is larger than 1 MB: split it into smaller files.",
        ),
        (
            b'email,name\n"ana@example.com,Ana\n',
            "line 2: this line cannot be read as CSV (unexpected end of data)",
        ),
        (
            b"email,name\nana@example.com,A\x00na\n",
            "line 2: it holds a NUL character, so this is not a CSV text file",
        ),
    ],
)
def test_files_that_cannot_be_read_are_refused(cohort, data, expected):
    assert parse(data, cohort) == ([], [expected])


def test_no_upload_an_empty_upload_and_a_huge_upload_import_nothing(manager_client, cohort):
    missing = manager_client.post(f"/cohorts/{cohort.slug}/import/", {"cohort": cohort.pk})
    assert problems(missing) == ["Choose a CSV file to upload."]
    assert problems(upload(manager_client, cohort, b"", cohort="nonsense")) == [
        "Cohort for rows that name none: Select a valid choice. "
        "That choice is not one of the available choices.",
        "The file is empty.",
    ]
    assert problems(upload(manager_client, cohort, b"")) == ["The file is empty."]
    large = GOOD + b"x@example.com,X\n" * 100_000  # about 1.6 MB: read, then refused
    assert problems(upload(manager_client, cohort, large)) == [
        "The file is larger than 1 MB: split it into smaller files."
    ]
    huge = GOOD + b"x@example.com,X\n" * 200_000  # about 3 MB: refused unread
    refused = upload(manager_client, cohort, huge)
    assert refused.status_code == 413
    assert "larger than 2.0 MB, so it was not read" in refused.text
    assert Membership.objects.count() == 0


def test_more_than_five_thousand_rows_is_refused(cohort):
    rows = b"".join(b"p%d@example.com,P %d\n" % (n, n) for n in range(importing.MAX_ROWS + 1))
    assert parse(b"email,name\n" + rows, cohort) == (
        [],
        ["The file has more than 5,000 rows: split it into smaller files."],
    )
    rows, found = parse(b"email,name\n" + rows.rsplit(b"\n", 2)[0] + b"\n", cohort)
    assert (len(rows), found) == (importing.MAX_ROWS, [])


def test_blank_rows_at_the_end_are_ignored(cohort):
    rows, found = parse(b"email,name\nli@example.com,Li\n,\n\n , \n", cohort)
    assert (len(rows), found) == (1, [])


def test_rows_can_name_their_cohort(manager, manager_client, cohort, mailoutbox, run_tasks):
    autumn = Cohort.objects.create(name="Autumn joiners", owner=manager, due_date=DUE)
    data = (
        b"email,name,cohort\n"
        b"ana@example.com,Ana,autumn JOINERS\n"
        b"ana@example.com,Ana,\n"
        b"li@example.com,Li,spring-joiners\n"
    )
    response = upload(manager_client, cohort, data)
    assert response.status_code == 302
    assert response.url == "/cohorts/"  # two cohorts: back to the list
    assert sorted(autumn.members.values_list("email", flat=True)) == ["ana@example.com"]
    assert sorted(cohort.members.values_list("email", flat=True)) == [
        "ana@example.com",
        "li@example.com",
    ]
    run_tasks()
    assert len(mailoutbox) == 2  # one email per new person, naming both cohorts
    ana_mail = next(mail for mail in mailoutbox if mail.to == ["ana@example.com"])
    assert "Autumn joiners" in ana_mail.body
    assert "Spring joiners" in ana_mail.body


def test_rows_need_a_cohort_from_the_form_or_the_file(manager_client, cohort):
    data = b"email,name,cohort\nana@example.com,Ana,\nli@example.com,Li,Nowhere\n"
    response = upload(manager_client, None, data)
    assert problems(response) == [
        "line 2: no cohort: choose one on the form or fill in the cohort column",
        "line 3: there is no cohort of yours called “Nowhere”",
    ]


def test_one_person_in_two_cohorts_must_have_one_name(manager, cohort):
    autumn = Cohort.objects.create(name="Autumn joiners", owner=manager, due_date=DUE)
    data = b"email,name,cohort\nana@example.com,Ana,\nana@example.com,Anna,Autumn joiners\n"
    assert parse(data, cohort) == ([], ["line 3: ana@example.com is called “Ana” on line 2"])
    assert autumn.members.count() == 0


def test_staff_name_a_cohort_by_its_address_when_two_owners_use_one_name(
    staff, manager, other_manager, cohort
):
    twin = Cohort.objects.create(name="Spring joiners", owner=other_manager, due_date=DUE)
    data = b"email,name,cohort\nana@example.com,Ana,Spring joiners\nli@example.com,Li,%s\n" % (
        twin.slug.encode()
    )
    assert parse(data, None) == (
        [],
        [
            "line 2: more than one cohort is called “Spring joiners”: use its address, "
            "spring-joiners, spring-joiners-2"
        ],
    )


def test_a_mail_server_that_is_down_delays_the_emails_and_loses_none(
    manager_client, cohort, mailoutbox, settings, run_tasks
):
    settings.EMAIL_BACKEND = "tests.cohorts.test_import.BrokenBackend"
    response = upload(manager_client, cohort, GOOD)
    assert response.status_code == 302
    assert cohort.members.count() == 2
    run_tasks()
    assert mailoutbox == []
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after > timezone.now()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_tasks()
    assert sorted(mail.to[0] for mail in mailoutbox) == [
        "ana.ruiz@example.com",
        "li.wei@example.com",
    ]
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_a_clash_with_a_simultaneous_import_saves_nothing(manager_client, cohort, monkeypatch):
    def clash(*args, **kwargs):
        make_user("ana.ruiz@example.com", "Created Meanwhile")
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(User.objects, "bulk_create", clash)
    response = upload(manager_client, cohort, GOOD)
    assert response.status_code == 200
    assert "nothing was imported. Upload the file again." in response.text
    assert not User.objects.filter(email="ana.ruiz@example.com").exists()
    assert cohort.memberships.count() == 0


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        raise ConnectionRefusedError("mail server down")

    def __exit__(self, *exc):
        return False


def test_a_member_without_a_password_can_be_sent_a_new_link(
    client, manager_client, cohort, learner, mailoutbox, run_tasks
):
    upload(manager_client, cohort, b"email,name\nana.ruiz@example.com,Ana Ruiz\n")
    Membership.objects.create(cohort=cohort, user=learner)
    ana = Membership.objects.get(user__email="ana.ruiz@example.com")
    alice = Membership.objects.get(user=learner)
    page = manager_client.get(cohort.get_absolute_url()).text
    assert page.count("No password chosen yet") == 1
    response = manager_client.post(
        f"/cohorts/{cohort.slug}/members/{ana.pk}/send-link", follow=True
    )
    assert "A new set-password link is on its way to ana.ruiz@example.com." in response.text
    run_tasks()
    assert [mail.to for mail in mailoutbox] == [["ana.ruiz@example.com"]] * 2
    assert "ask Mona Manager to send you a new one" in mailoutbox[1].body
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mailoutbox[1].body).group(1)
    assert "Choose a new password" in client.get(link, follow=True).text
    response = manager_client.post(
        f"/cohorts/{cohort.slug}/members/{alice.pk}/send-link", follow=True
    )
    assert "Alice Learner has already chosen a password." in response.text
    assert len(mailoutbox) == 2


def test_rows_are_checked_by_the_user_models_own_rules(cohort):
    """The User model's field lengths and email rule, not copies of them."""
    data = b"email,name\nlong@example.com,%s\nbad@,Bad\n" % (b"n" * 151)
    assert parse(data, cohort) == (
        [],
        [
            "line 2: full name: Ensure this value has at most 150 characters (it has 151).",
            "line 3: email address: Enter a valid email address.",
        ],
    )
