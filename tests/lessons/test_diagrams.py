"""The drawn house and the stack diagram: every part a link, every owner from the data."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from lessons.models import Layer, Owner, Responsibility, Service

pytestmark = pytest.mark.django_db


class PartLinks(HTMLParser):
    """Links inside one container (found by id): id, href, classes, aria-current, title."""

    def __init__(self, container_id):
        super().__init__()
        self.container_id = container_id
        self.depth = 0  # >0 while inside the container
        self.links = []
        self._in_title = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            self.depth += 1
        elif attrs.get("id") == self.container_id:
            self.depth = 1
        if not self.depth:
            return
        if tag == "a":
            self.links.append(
                {
                    "id": attrs.get("id"),
                    "href": attrs["href"],
                    "classes": attrs.get("class", "").split(),
                    "current": attrs.get("aria-current"),
                    "title": "",
                }
            )
        elif tag == "title" and self.links:
            self._in_title = self.links[-1]

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = None
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self._in_title is not None:
            self._in_title["title"] += data


def part_links(html, container_id):
    parser = PartLinks(container_id)
    parser.feed(html)
    return parser.links


def owner_of(link):
    return next(
        c.removeprefix("owner-")
        for c in link["classes"]
        if c.startswith("owner-") and c != "owner-fill"
    )


OWNER_WORDS = {
    Owner.AWS: "AWS secures it",
    Owner.CUSTOMER: "you secure it",
    Owner.SHARED: "each secure a part",
}


@pytest.mark.parametrize("view", ["house", "stack"])
def test_every_layer_of_every_service_is_a_link_with_its_owner_from_the_data(course, client, view):
    services = list(Service.objects.all())
    assert len(services) >= 5
    for service in services:
        suffix = "?view=house" if view == "house" else ""
        html = client.get(reverse("lessons:explorer", args=[service.slug]) + suffix).text
        links = part_links(html, view)
        expected = {
            row.layer.slug: row
            for row in Responsibility.objects.filter(service=service).select_related("layer")
        }
        by_slug = {link["id"].removeprefix(f"{view}-"): link for link in links if link["id"]}
        if view == "stack":  # bands carry the id on their list item; match by address
            by_slug = {link["href"].split("/")[3]: link for link in links}
        assert set(by_slug) == set(expected), service.slug
        for slug, row in expected.items():
            link = by_slug[slug]
            # The same address as the explorer's list of layers, so a tap opens that panel.
            assert link["href"] == row.get_absolute_url() + suffix
            assert owner_of(link) == row.owner, (service.slug, slug)
        if view == "house":
            for slug, row in expected.items():
                title = by_slug[slug]["title"]
                if row.layer.kind == Layer.Kind.LAYER:
                    assert row.layer.name in title
                    assert OWNER_WORDS[row.owner] in title, (service.slug, slug, title)


def test_a_part_opens_the_same_panel_as_the_list(course, client):
    html = client.get("/explorer/ec2/?view=house").text
    door = next(link for link in part_links(html, "house") if link["id"] == "house-hypervisor")
    assert door["title"].startswith("Walls & door (Hypervisor)")
    opened = client.get(door["href"]).text
    assert re.search(r'id="layer-panel-title"[^>]*>Hypervisor', opened)
    assert "AWS secures this layer." in opened
    current = [link["id"] for link in part_links(opened, "house") if link["current"]]
    assert current == ["house-hypervisor"]


def test_the_drawing_follows_any_owner_the_data_gives(course, client):
    """One source of truth: change an owner in the data and the picture changes with it."""
    row = Responsibility.objects.get(service__slug="lambda", layer__slug="operating-system")
    for owner in Owner.values:
        row.owner = owner
        row.save()
        html = client.get("/explorer/lambda/?view=house").text
        locks = next(
            link for link in part_links(html, "house") if link["id"] == "house-operating-system"
        )
        assert owner_of(locks) == owner
        bands = part_links(client.get("/explorer/lambda/").text, "stack")
        band = next(link for link in bands if "/operating-system/" in link["href"])
        assert owner_of(band) == owner


def test_a_new_service_and_a_layer_the_drawing_lacks_still_appear(course, client):
    service = Service.objects.create(
        slug="newsvc", name="New service", category="abstracted", order=99, summary="New."
    )
    extra = Layer.objects.create(
        slug="firmware", name="Firmware", kind=Layer.Kind.LAYER, order=0, house_part="The wiring"
    )
    for layer in Layer.objects.all():
        owner = (
            Owner.AWS
            if layer.kind == Layer.Kind.LAYER and layer.slug != "data"
            else Owner.CUSTOMER
        )
        Responsibility.objects.create(
            service=service, layer=layer, owner=owner, why="-", customer_does="-"
        )
    html = client.get("/explorer/newsvc/?view=house").text
    hrefs = {link["href"] for link in part_links(html, "house")}
    assert reverse("lessons:explorer_layer", args=["newsvc", extra.slug]) + "?view=house" in hrefs
    assert len(hrefs) == Layer.objects.count()


def test_the_line_sits_above_the_layers_aws_secures_alone(course, client):
    # EC2: three layers above the line; RDS: two; S3 and DynamoDB: one.
    expected = {"ec2": 3, "rds": 2, "s3": 1}
    for slug, above in expected.items():
        html = client.get(f"/explorer/{slug}/").text
        assert f"stack-diagram--above-{above}" in html, slug


def test_explorer_page_cost_does_not_grow_with_the_drawing(
    course, client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        client.get("/explorer/ec2/hypervisor/?view=house")
    with django_assert_max_num_queries(6):
        client.get("/explorer/ec2/hypervisor/")


def test_switching_service_keeps_the_open_layer(course, client):
    html = client.get("/explorer/ec2/hypervisor/?view=house").text
    assert 'href="/explorer/lambda/hypervisor/?view=house"' in html
    assert 'href="/explorer/lambda/?view=house"' not in html
