"""Permissions, not staff status: every view asks for the permission it needs, the admin
asks the same, and the role groups carry exactly what they should."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cohorts.models import Cohort
from sharedresp.roles import ROLE_PERMISSIONS
from tests.cohorts.conftest import DUE
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

RUN_WORKSHOPS = {"workshops.run_workshops"}
COHORTS = {"cohorts.manage_own_cohorts", "cohorts.manage_any_cohort"}
# Each view that needs a permission, with the permissions any one of which opens it.
NEEDS = {
    "quiz:stats": {"quiz.view_item_statistics"},
    "quiz:certificate_revoke": {"quiz.revoke_certificate"},
    "lms:scorm_export": {"lessons.view_lesson"},
    "lms:scorm_download": {"lessons.view_lesson"},
    "lms:badges_setup": {"quiz.revoke_certificate"},
    "lms:platforms": {"lms.change_platform"},
    "lms:platform": {"lms.change_platform"},
    "lessons:company_owners": {"lessons.set_company_owners"},
    "lessons:remove_company_owner": {"lessons.set_company_owners"},
    **{
        f"workshops:{name}": RUN_WORKSHOPS
        for name in [
            "list",
            "detail",
            "add_item",
            "edit_item",
            "move_item",
            "remove_item",
            "console",
            "control",
            "results",
            "export",
            "present",
            "person",
            "remove_person",
        ]
    },
    **{
        f"cohorts:{name}": COHORTS
        for name in [
            "list",
            "create",
            "import",
            "detail",
            "edit",
            "import_into",
            "export",
            "remove_member",
            "send_link",
        ]
    },
}
# Views for everyone (some after logging in, some only for what the person owns).
OPEN = {
    *["home", "healthz", "signup", "signup_sent", "signup_confirm", "login", "logout"],
    *["oidc_authentication_init", "oidc_authentication_callback"],
    *["saml2_login", "saml2_acs", "saml2_metadata"],
    *["password_change", "password_change_done", "password_reset", "password_reset_done"],
    *["password_reset_confirm", "password_reset_complete"],
    *(f"lessons:{name}" for name in ["course", "lesson", "complete", "step", "sort"]),
    *(f"lessons:{name}" for name in ["explorer_start", "explorer", "explorer_layer"]),
    *(
        f"quiz:{name}"
        for name in ["list", "detail", "start", "attempt", "question", "submit", "review"]
    ),
    "quiz:exam_question",
    *(f"quiz:{name}" for name in ["certificate_lookup", "verify", "certificate_print"]),
    "quiz:certificate_qr",
    *(f"workshops:{name}" for name in ["join", "participate", "state", "answer", "qr"]),
    *(f"quiz:{name}" for name in ["review_deck", "review_answer", "review_card"]),
    *["quiz:incidents", "quiz:incident", "workshops:events"],
    # Open Badges: public issuer, key and status; the holder's own download.
    *(f"lms:{name}" for name in ["badge_issuer", "badge_jwks", "badge_status", "badge_download"]),
    *(f"lms:{name}" for name in ["jwks", "login", "launch", "link_account", "deep_link"]),
}
# Arguments that name nothing: a view must refuse the permission before looking.
ARGUMENTS = {
    "slug": "no-such-cohort",
    "code": "ABCDEF",
    "item_id": 999999,
    "membership_id": 999999,
    "participant_id": 999999,
    "owner_id": 999999,
    "kind": "slide",
    "platform_id": 999999,
}
SINGLE_PERMISSIONS = sorted({p for needed in NEEDS.values() for p in needed})


def url_names(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", list(pattern.pattern.converters)


def test_every_view_is_listed_as_open_or_needing_a_permission():
    names = {name for name, _arguments in url_names()}
    assert names == OPEN | NEEDS.keys()


def persona(label, *, permissions=(), groups=(), staff=False):
    user = make_user(f"{label}@example.com", label, groups=groups, is_staff=staff)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user, set(permissions) | {p for g in groups for p in ROLE_PERMISSIONS[g]}


PERSONAS = [
    ("nobody", {}),
    ("staff-without-permissions", {"staff": True}),
    *((f"only-{p}", {"permissions": [p]}) for p in SINGLE_PERMISSIONS),
    *((f"role-{g}", {"groups": [g]}) for g in ROLE_PERMISSIONS),
]


@pytest.mark.parametrize(("label", "grants"), PERSONAS, ids=[label for label, _ in PERSONAS])
def test_every_protected_view_asks_for_its_permission(client, label, grants):
    user, held = persona(label.replace(".", "-"), **grants)
    client.force_login(user)
    for name, arguments in url_names():
        if name not in NEEDS:
            continue
        url = reverse(name, kwargs={argument: ARGUMENTS[argument] for argument in arguments})
        response = client.get(url)
        if response.status_code == 405:  # a POST-only view
            response = client.post(url)
        if held & NEEDS[name]:
            assert response.status_code not in {403, 500}, (name, response.status_code)
        else:
            assert response.status_code == 403, (name, response.status_code)


def test_the_role_groups_carry_their_permissions():
    for name, permissions in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(permissions)


def test_managing_any_cohort_opens_other_peoples_cohorts(
    client, manager, other_manager, training_lead
):
    cohort = Cohort.objects.create(name="Spring", owner=manager, due_date=DUE)
    client.force_login(other_manager)
    assert client.get(cohort.get_absolute_url()).status_code == 404
    client.force_login(training_lead)
    page = client.get(cohort.get_absolute_url())
    assert page.status_code == 200
    assert "Mona Manager" in page.text  # the owner, shown to those who see every cohort


def test_the_admin_asks_what_the_views_ask(client):
    staff, _held = persona("staff", staff=True)
    client.force_login(staff)
    assert client.get("/admin/cohorts/cohort/").status_code == 403
    lead, _held = persona("lead", staff=True, groups=["Training lead"])
    client.force_login(lead)
    assert client.get("/admin/cohorts/cohort/").status_code == 200
