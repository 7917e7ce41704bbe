"""The workshop's CSV as bytes: what a spreadsheet opening the file reads."""

import pytest

from .conftest import SINGLE, make_workshop, open_question, question, right_selection

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"


def test_the_workshop_csv_opens_in_a_spreadsheet_as_utf8_with_formulas_as_text(
    course, facilitator, facilitator_client
):
    workshop = make_workshop(facilitator, question(SINGLE))
    zoe = workshop.join("Zoë Ødegård")
    mallory = workshop.join('=HYPERLINK("http://x")')
    item = open_question(workshop)
    zoe.answer(item, **right_selection(item))
    mallory.answer(item, **right_selection(item))
    response = facilitator_client.get(f"/workshops/{workshop.code}/results.csv")
    body = b"".join(response.streaming_content)
    assert body.startswith(BOM + b"workshop,participant,")
    assert body.count(BOM) == 1
    assert f"\r\n{workshop.code},Zoë Ødegård,no,".encode() in body
    assert f'\r\n{workshop.code},"\'=HYPERLINK(""http://x"")",no,'.encode() in body
