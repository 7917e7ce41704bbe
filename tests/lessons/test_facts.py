"""Who owns what: the facts a learner must never be taught wrong.

Each pin below is checked against AWS documentation (the service files cite the pages).
If a content change breaks one, the change is wrong until the documentation says
otherwise.
"""

import pytest

from lessons.models import Responsibility

pytestmark = pytest.mark.django_db


def owner(service, layer):
    return Responsibility.objects.get(service__slug=service, layer__slug=layer).owner


@pytest.mark.parametrize("service", ["ec2", "rds", "lambda", "s3", "dynamodb"])
def test_aws_always_secures_the_facilities_network_and_hypervisor(course, service):
    for layer in ["physical", "network", "hypervisor"]:
        assert owner(service, layer) == "aws"


@pytest.mark.parametrize("service", ["ec2", "rds", "lambda", "s3", "dynamodb"])
def test_the_customer_always_owns_data_and_the_three_duties(course, service):
    for layer in ["data", "identity-and-access", "network-and-access-configuration", "encryption"]:
        assert owner(service, layer) == "customer"


def test_ec2_the_operating_system_and_up_are_the_customers(course):
    assert owner("ec2", "operating-system") == "customer"
    assert owner("ec2", "application") == "customer"


def test_rds_aws_patches_the_host_os_and_the_engine_is_shared(course):
    assert owner("rds", "operating-system") == "aws"
    assert owner("rds", "application") == "shared"


def test_lambda_code_is_the_customers_and_the_runtime_is_shared(course):
    assert owner("lambda", "application") == "customer"
    assert owner("lambda", "operating-system") == "shared"


@pytest.mark.parametrize("service", ["s3", "dynamodb"])
def test_abstracted_services_aws_runs_everything_below_the_data(course, service):
    assert owner(service, "operating-system") == "aws"
    assert owner(service, "application") == "aws"


def test_shared_rows_say_what_each_side_does(course):
    for row in Responsibility.objects.filter(owner="shared"):
        assert "AWS" in row.why
        assert "you" in row.why.lower()
