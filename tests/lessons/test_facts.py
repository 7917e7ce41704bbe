"""Who owns what: the facts a learner must never be taught wrong.

PINNED is the one table a reviewer checks against AWS's documentation (each service file
cites the pages; lessons/content/REVIEW.md lists them with the date of the check). The
tests below hold every other place that states an owner to it: the service files, the
explorer a lesson step embeds, the sort exercise, the classify questions' answer keys,
the layers a workshop plan shows, and owner claims written in prose anywhere in the
course. A new service file that is not pinned fails, so the table grows with the course.

If a content change breaks one of these, the change is wrong until AWS's documentation
says otherwise; then change the pin and the content together, with the source.
"""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from lessons.loading import DUTY_SLUGS, LAYER_SLUGS
from lessons.models import Responsibility, Service, Step
from quiz.models import Question

pytestmark = pytest.mark.django_db

A, C, S = "aws", "customer", "shared"
DUTIES = {"identity-and-access": C, "network-and-access-configuration": C, "encryption": C}


def stack(physical, network, hypervisor, operating_system, application, data=C):
    return {
        "physical": physical,
        "network": network,
        "hypervisor": hypervisor,
        "operating-system": operating_system,
        "application": application,
        "data": data,
        **DUTIES,
    }


PINNED = {
    # Infrastructure: the guest OS and everything on it is yours.
    "ec2": stack(A, A, A, C, C),
    # Outposts: the rack is AWS's, the site and its uplinks are yours.
    "outposts": stack(S, S, A, C, C),
    # Container instances are your EC2 instances; the ECS scheduler is AWS's service.
    "ecs-ec2": stack(A, A, A, C, C),
    # EC2 worker nodes are yours; the Kubernetes control plane is AWS's, its version yours.
    "eks": stack(A, A, A, C, S),
    # AWS publishes platform updates; applying them and your code are yours.
    "elastic-beanstalk": stack(A, A, A, S, S),
    # Managed: AWS patches the host OS; the engine is split.
    "rds": stack(A, A, A, A, S),
    # AWS patches the Fargate platform; the image contents are yours.
    "fargate": stack(A, A, A, A, C),
    # AWS owns the OS and the managed runtimes; code, packages, image contents are yours.
    "lambda": stack(A, A, A, A, C),
    # Abstracted: AWS runs everything below the data.
    "s3": stack(A, A, A, A, A),
    "sqs": stack(A, A, A, A, A),
    "dynamodb": stack(A, A, A, A, A),
}

# The one service in the course where AWS does not own the bottom three layers alone.
BOTTOM_MOVES = {"outposts"}

CONTENT = Path(settings.BASE_DIR)
LESSONS = CONTENT / "lessons" / "content"
PROSE_FILES = sorted(
    [
        *(LESSONS / "lessons").glob("*.yaml"),
        *(LESSONS / "services").glob("*.yaml"),
        LESSONS / "layers.yaml",
        *(CONTENT / "quiz" / "content").glob("**/*.yaml"),
        *(CONTENT / "workshops" / "content" / "plans").glob("*.yaml"),
    ]
)


def owners_in_db(service):
    return dict(
        Responsibility.objects.filter(service__slug=service).values_list("layer__slug", "owner")
    )


# --- the table itself -------------------------------------------------------------------


def test_every_service_in_the_course_is_pinned_and_every_pin_is_a_service(course):
    assert set(Service.objects.values_list("slug", flat=True)) == set(PINNED)


def test_every_service_file_states_exactly_the_pinned_owners(course):
    for service, owners in PINNED.items():
        assert owners_in_db(service) == owners, service


def test_the_pins_cover_every_layer_and_duty():
    for service, owners in PINNED.items():
        assert list(owners) == [*LAYER_SLUGS, *DUTY_SLUGS], service


@pytest.mark.parametrize("service", sorted(PINNED))
def test_aws_secures_the_bottom_three_layers_except_where_the_rack_is_yours(service):
    bottom = [PINNED[service][layer] for layer in ["physical", "network", "hypervisor"]]
    if service in BOTTOM_MOVES:
        assert bottom == [S, S, A]  # the site and its links are yours; Nitro stays AWS's
    else:
        assert bottom == [A, A, A]


@pytest.mark.parametrize("service", sorted(PINNED))
def test_the_customer_always_owns_data_and_the_three_duties(service):
    for layer in ["data", *DUTY_SLUGS]:
        assert PINNED[service][layer] == C


def test_lambdas_operating_system_is_aws_not_shared():
    # AWS manages the OS and the managed runtimes (Lambda security overview); what the
    # customer keeps there (runtime choice and deprecation) is a duty, not a share.
    assert PINNED["lambda"]["operating-system"] == A
    assert PINNED["lambda"]["application"] == C


def test_shared_rows_say_what_each_side_does(course):
    for row in Responsibility.objects.filter(owner=S):
        assert "**AWS**" in row.why, row
        assert "**You**" in row.why, row


# --- every other place that states an owner ----------------------------------------------


def test_every_classify_key_agrees_with_the_pins(course):
    questions = list(Question.objects.filter(kind="classify").select_related("service"))
    assert questions
    for question in questions:
        expected = {slug: PINNED[question.service.slug][slug] for slug in question.classify_layers}
        assert question.classify_key == expected, question.slug


def test_every_explorer_a_lesson_embeds_shows_the_pinned_owners(course, client):
    steps = list(Step.objects.filter(explorer_service__isnull=False).select_related("lesson"))
    assert steps
    for step in steps:
        response = client.get(step.get_absolute_url())
        shown = {row.layer.slug: row.owner for row in response.context["stack"].rows}
        assert shown == PINNED[step.explorer_service.slug], step


def test_the_sort_exercise_marks_the_pinned_owners_right_on_every_service(course, client):
    for service, owners in PINNED.items():
        response = client.post(f"/explorer/{service}/sort/", owners)
        assert response.context["correct"] == response.context["total"] == len(owners), service


def test_no_dividing_line_is_drawn_where_aws_does_not_secure_the_bottom_alone(course, client):
    # "You secure above / AWS secures below" would put Outposts' AWS-owned hypervisor on
    # the customer's side.
    for service in PINNED:
        html = client.get(f"/explorer/{service}/").text
        assert ("stack-diagram__line-label" in html) == (service not in BOTTOM_MOVES), service


def test_every_layer_a_workshop_plan_shows_is_pinned():
    for path in sorted((CONTENT / "workshops" / "content" / "plans").glob("*.yaml")):
        items = yaml.safe_load(path.read_text())["items"]
        for item in items:
            if item["kind"] == "layer":
                assert item["layer"] in PINNED[item["service"]], (path, item)


# --- owner claims in prose --------------------------------------------------------------

SERVICE_NAMES = {
    "ec2": r"EC2",
    "outposts": r"(?:AWS )?Outposts?",
    "ecs-ec2": r"ECS on EC2",
    "eks": r"(?:Amazon )?EKS",
    "elastic-beanstalk": r"Elastic Beanstalk",
    "rds": r"(?:standard )?RDS(?! Custom)",
    "fargate": r"Fargate",
    "lambda": r"Lambda",
    "s3": r"S3",
    "sqs": r"SQS",
    "dynamodb": r"DynamoDB",
}
LAYER_NAMES = {
    "physical": r"physical (?:layer|facilities|data cent(?:re|er)s?)",
    "network": r"physical network",
    "hypervisor": r"hypervisor",
    "operating-system": r"(?:operating system|OS)",
    "application": r"application layer",
    "data": r"data",
}
OWNER_WORDS = {
    r"AWS's": A,
    r"yours": C,
    r"ours": C,
    r"the customer's": C,
    r"shared": S,
}
# "On Lambda, the operating system is AWS's": service, then layer, then owner, in one clause.
CLAIM = re.compile(
    r"\b(?:On|on|For|for|With|with) (?P<service>{services})\b[^.;:()]*?"
    r"\bthe (?P<layer>{layers})(?: layer)? (?:is|are) "
    r"(?:all |entirely |fully |100 percent |still )?(?P<owner>{owners})".format(
        services="|".join(f"(?:{p})" for p in SERVICE_NAMES.values()),
        layers="|".join(f"(?:{p})" for p in LAYER_NAMES.values()),
        owners="|".join(OWNER_WORDS),
    )
)


def _lookup(text, table):
    for key, pattern in table.items():
        if re.fullmatch(pattern, text):
            return key
    raise AssertionError(f"no entry for {text!r}")


def prose_claims(text):
    """(service, layer, owner) for each plain owner claim the text makes."""
    for match in CLAIM.finditer(" ".join(text.split())):
        yield (
            _lookup(match["service"], SERVICE_NAMES),
            _lookup(match["layer"], LAYER_NAMES),
            OWNER_WORDS[next(w for w in OWNER_WORDS if re.fullmatch(w, match["owner"]))],
            match.group(0),
        )


def test_the_prose_claim_finder_finds_claims_and_reads_them():
    claims = list(
        prose_claims("On Lambda, the operating system is shared. On EC2 the OS is ours.")
    )
    assert [claim[:3] for claim in claims] == [
        ("lambda", "operating-system", S),
        ("ec2", "operating-system", C),
    ]


@pytest.mark.parametrize("path", PROSE_FILES, ids=lambda path: path.name)
def test_no_sentence_states_an_owner_the_pins_contradict(path):
    wrong = [
        f"{claim!r}: pinned {PINNED[service][layer]!r}"
        for service, layer, owner, claim in prose_claims(path.read_text())
        if PINNED[service][layer] != owner
    ]
    assert not wrong, wrong


# Statements a review of the course found wrong (issue 15), each with why, so that none
# of them comes back in other words that a careful reader would still recognise.
RETRACTED = {
    r"exactly one owner": "split parts have a piece per side (lesson 01)",
    r"AWS always owns the bottom": "not on AWS Outposts, where the site is yours",
    r"bottom three are always AWS's": "not on AWS Outposts",
    r"share responsibility for\.?$|take on part of this\s+layer": (
        "RDS Custom: keeping the OS up to date is the customer's, not shared"
    ),
    r"switching off Block Public Access on purpose": (
        "AWS's pattern for public content keeps the bucket private behind CloudFront"
    ),
    r"\*\*One person, under conditions": "a presigned URL works for whoever holds it",
    r"Connections to AWS's own APIs use TLS": "S3 accepts HTTP unless a policy denies it",
    r"AWS can't get into your operating system": (
        "AWS has no way in of its own; tools you enable do"
    ),
    r"nothing gets installed on your servers unless\s+your team does it\*\*": (
        "self-updating images and tools you enable install things too"
    ),
    r"also the language runtime your code runs in": (
        "Lambda's managed runtimes are AWS's; the OS is not shared"
    ),
}


@pytest.mark.parametrize("path", PROSE_FILES, ids=lambda path: path.name)
def test_no_retracted_statement_comes_back(path):
    text = path.read_text()
    found = [why for pattern, why in RETRACTED.items() if re.search(pattern, text, re.I | re.M)]
    assert not found, found
