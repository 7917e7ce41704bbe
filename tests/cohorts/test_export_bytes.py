"""The cohort's CSV report as bytes: what a spreadsheet opening the file reads."""

import pytest

from tests.cohorts.conftest import add_members

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"


def test_the_cohort_csv_opens_in_a_spreadsheet_as_utf8_with_formulas_as_text(
    manager_client, cohort
):
    zoe, mallory = add_members(cohort, 2)
    zoe.name = "Zoë Ødegård"
    zoe.save()
    mallory.name = '=HYPERLINK("http://x")'
    mallory.save()
    response = manager_client.get(f"/cohorts/{cohort.slug}/report.csv")
    body = b"".join(response.streaming_content)
    assert body.startswith(BOM + b"Name,Email,")
    assert body.count(BOM) == 1
    assert "\r\nZoë Ødegård,member0@example.com,".encode() in body
    assert b'\r\n"\'=HYPERLINK(""http://x"")",member1@example.com,' in body
