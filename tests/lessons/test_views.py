import re

import pytest

from lessons.models import Course, Lesson, SortResult, Step

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def section(html, element_id):
    match = re.search(rf'<(section|div) id="{element_id}".*?</\1>\s*(?=\S|$)', html, re.DOTALL)
    return match.group(0) if match else None


def panel(html):
    return re.search(r'<section id="layer-panel".*?</section>', html, re.DOTALL).group(0).strip()


def test_course_lesson_and_step_pages(course, client):
    assert "Not started" in client.get("/lessons/").text
    lesson_page = client.get("/lessons/the-dividing-line-on-ec2/")
    assert "Start lesson" in lesson_page.text
    step = Step.objects.filter(lesson__slug="the-dividing-line-on-ec2").first()
    page = client.get(step.get_absolute_url())
    assert page.status_code == 200
    assert f"Step 1 of {step.lesson.steps.count()}" in page.text
    assert 'rel="next"' in page.text
    assert 'rel="prev"' not in page.text
    assert step.body_html in page.text
    assert "&lt;p&gt;" not in page.text


def test_last_step_offers_mark_complete(course, client):
    last = Step.objects.filter(lesson__slug="patching").last()
    html = client.get(last.get_absolute_url()).text
    assert "Mark lesson complete" in html
    assert 'action="/lessons/patching/complete"' in html


@pytest.mark.parametrize(
    "path",
    ["/lessons/nope/", "/lessons/patching/nope/", "/explorer/ec3/", "/explorer/ec2/kitchen/"],
)
def test_unknown_addresses_are_404(course, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_bad_query_parameters_are_400(course, client):
    assert client.get("/explorer/ec2/?view=garden").status_code == 400
    assert client.get("/lessons/the-stack/six-layers/?layer=../../etc").status_code == 400
    assert client.get("/lessons/the-stack/six-layers/?layer=kitchen").status_code == 404


def test_explorer_starts_on_the_first_service(course, client):
    response = client.get("/explorer/")
    assert response.status_code == 302
    assert response.url == "/explorer/ec2/"


def test_explorer_layer_page_opens_the_layer(course, client):
    html = client.get("/explorer/ec2/operating-system/").text
    assert "You secure this layer." in html
    assert re.search(
        r'href="/explorer/ec2/operating-system/"[^>]*aria-current="true"', html, re.DOTALL
    )
    assert "Operating system on other services" in html
    for owner in ["AWS", "You, the customer", "Shared"]:
        assert owner in html


def test_fragment_and_full_page_give_the_same_panel(course, client):
    full = client.get("/explorer/rds/application/")
    fragment = client.get("/explorer/rds/application/?fragment=panel", headers=HTMX)
    assert "<html" not in fragment.text
    assert fragment.text.strip().startswith(panel(full.text))
    # The diagram comes along out of band, marking the layer now open.
    diagram = fragment.text[fragment.text.index('<div id="explorer-diagram"') :]
    assert diagram.startswith('<div id="explorer-diagram" class="explorer__diagram" hx-swap-oob')
    assert re.search(r'href="/explorer/rds/application/"[^>]*aria-current="true"', diagram)
    assert "HX-Request" in fragment.headers["Vary"]


def test_the_server_not_the_target_header_chooses_the_fragment(course, client):
    # The target the browser names is no longer read: without ?fragment= it is the page.
    page = client.get(
        "/explorer/rds/application/", headers=HTMX | {"HX-Target": "layer-panel"}
    ).text
    assert "<html" in page
    step = Step.objects.filter(explorer_service__isnull=False).first()
    panel_only = client.get(f"{step.get_absolute_url()}?fragment=panel", headers=HTMX).text
    assert panel_only.lstrip().startswith('<section id="layer-panel"')
    assert client.get("/explorer/rds/?fragment=everything", headers=HTMX).status_code == 400


def test_switching_service_swaps_the_whole_explorer(course, client):
    fragment = client.get("/explorer/s3/?fragment=explorer", headers=HTMX).text
    assert fragment.lstrip().startswith('<div id="explorer"')
    assert "Amazon S3" in fragment
    assert "<html" not in fragment


def layers_above_line(html):
    stack = html[html.index('class="stack-diagram__layers"') : html.index("The dividing line")]
    return re.findall(r'<span class="stack-band__name">([^<]+)', stack)


def test_the_dividing_line_moves_with_the_service(course, client):
    assert layers_above_line(client.get("/explorer/ec2/").text) == [
        "Data",
        "Application",
        "Operating system",
    ]
    assert layers_above_line(client.get("/explorer/rds/").text) == ["Data", "Application"]
    assert layers_above_line(client.get("/explorer/s3/").text) == ["Data"]


def test_house_view_names_each_layer_as_a_part_of_the_house(course, client):
    html = client.get("/explorer/ec2/?view=house").text
    assert 'class="house"' in html
    assert "Ground & fence (Physical facilities): AWS secures it" in html
    assert 'href="/explorer/ec2/data/?view=house"' in html


def test_a_step_embeds_the_explorer_and_its_layer_links_stay_in_the_lesson(course, client):
    url = "/lessons/the-stack/six-layers/"
    html = client.get(url).text
    assert f'href="{url}?layer=data"' in html
    opened = client.get(url + "?layer=data")
    fragment = client.get(url + "?layer=data&fragment=panel", headers=HTMX)
    assert fragment.text.strip().startswith(panel(opened.text))
    assert "Data <span" in fragment.text


ALL_RIGHT_EC2 = {
    "physical": "aws",
    "network": "aws",
    "hypervisor": "aws",
    "operating-system": "customer",
    "application": "customer",
    "data": "customer",
    "identity-and-access": "customer",
    "network-and-access-configuration": "customer",
    "encryption": "customer",
}


def test_sort_the_stack_gives_feedback_per_layer_and_stores_the_result(
    course, learner_client, learner
):
    form = learner_client.get("/explorer/ec2/sort/").text
    assert form.count("<fieldset") == 9
    answers = ALL_RIGHT_EC2 | {"operating-system": "aws"}
    html = learner_client.post("/explorer/ec2/sort/", answers).text
    assert "You placed 8 of 9 correctly" in html
    assert html.count("✓ Right") == 8
    assert html.count("✗ Not quite") == 1
    result = SortResult.objects.get(user=learner)
    assert (result.correct, result.total) == (8, 9)
    assert result.answers["operating-system"] == "aws"
    assert "Last time you placed 8 of 9" in learner_client.get("/explorer/ec2/sort/").text


def test_sort_the_stack_with_missing_or_tampered_answers_stores_nothing(course, learner_client):
    missing = learner_client.post("/explorer/ec2/sort/", {"physical": "aws"})
    assert "There is a problem" in missing.text
    assert "Network: Choose who secures this layer." in missing.text
    tampered = learner_client.post("/explorer/ec2/sort/", ALL_RIGHT_EC2 | {"data": "root"})
    assert "Select a valid choice" in tampered.text
    assert SortResult.objects.count() == 0


def add_lessons(count):
    course = Course.objects.get()
    for number in range(count):
        lesson = Lesson.objects.create(
            course=course,
            slug=f"extra-{number}",
            title="Extra",
            summary="More",
            order=100 + number,
        )
        Step.objects.bulk_create(
            Step(
                lesson=lesson,
                slug=f"s{n}",
                title="Step",
                body="Text",
                body_html="<p>Text</p>",
                order=n,
            )
            for n in range(5)
        )


@pytest.mark.parametrize("extra_lessons", [0, 63])
def test_page_cost_does_not_grow_with_the_course(
    course, learner_client, django_assert_max_num_queries, extra_lessons
):
    course_lessons = Lesson.objects.count()
    add_lessons(extra_lessons)
    assert Lesson.objects.count() == course_lessons + extra_lessons
    learner_client.get("/lessons/the-stack/six-layers/")  # progress row exists
    # Every page: +1 for the header asking the person's roles (Workshops for facilitators,
    # Cohorts for managers).
    pages = [
        # 5 for the lessons, 2 for the quiz records, 1 each for certificates, assignments,
        # questions due for review and workshops
        ("/", 12),
        ("/lessons/", 6),
        ("/lessons/the-stack/", 7),  # +1: its practice quiz, through lessons.extensions
        ("/lessons/the-stack/six-layers/", 10),
        ("/explorer/ec2/operating-system/", 8),  # +1: the content version its cache key holds
        ("/explorer/ec2/sort/", 6),
    ]
    for path, bound in pages:
        with django_assert_max_num_queries(bound):
            assert learner_client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/admin/lessons/lesson/", "/admin/lessons/service/", "/admin/lessons/layer/"],
)
def test_every_staff_member_can_edit_content_in_admin(course, client, path):
    from tests.conftest import make_user

    author = make_user("author@example.com", "Ann Author", is_staff=True)
    client.force_login(author)
    listing = client.get(path)
    assert listing.status_code == 200
    first = re.search(rf'href="({path}\d+/change/)', listing.text).group(1)
    page = client.get(first)
    assert page.status_code == 200
    assert "the next load_content run puts back" in page.text
