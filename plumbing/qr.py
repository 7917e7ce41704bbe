"""QR codes drawn here as SVG: no outside service sees what they encode."""

import qrcode
from django.http import HttpResponse
from qrcode.image.svg import SvgPathImage


def qr_svg(data: str) -> bytes:
    return qrcode.make(data, image_factory=SvgPathImage, border=2).to_string()


def qr_svg_response(data: str) -> HttpResponse:
    return HttpResponse(qr_svg(data), content_type="image/svg+xml")
