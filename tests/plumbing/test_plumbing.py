"""The shared plumbing on its own: cells, codes and QR images."""

import ast
from pathlib import Path

import qrcode
from django.apps import apps as django_apps
from django.conf import settings
from qrcode.image.svg import SvgPathImage

import plumbing
from plumbing.codes import UNAMBIGUOUS_ALPHABET, random_code
from plumbing.qr import qr_svg, qr_svg_response
from plumbing.spreadsheet import csv_lines, safe_cell


def test_cells_a_spreadsheet_would_run_get_a_quote_and_others_stay():
    for formula in ["=1+1", "+1", "-2", "@SUM(A1)", "\tTab", "\rReturn"]:
        assert safe_cell(formula) == "'" + formula
    for plain in ["Ann = ok", "", "Zoë", 3, None]:
        assert safe_cell(plain) == plain


def test_csv_lines_begin_with_one_byte_order_mark():
    lines = list(csv_lines([["a", "=b"], ["Ødegård", 1]]))
    assert lines == ["\ufeff", "a,'=b\r\n", "Ødegård,1\r\n"]


def test_codes_use_only_the_unambiguous_alphabet():
    assert not set("01ILO") & set(UNAMBIGUOUS_ALPHABET)
    codes = {random_code(8) for _ in range(50)}
    assert len(codes) == 50
    assert all(len(code) == 8 and set(code) <= set(UNAMBIGUOUS_ALPHABET) for code in codes)


def test_the_qr_image_is_an_svg_of_the_data():
    expected = qrcode.make("https://example.com/x", image_factory=SvgPathImage, border=2)
    assert qr_svg("https://example.com/x") == expected.to_string()
    response = qr_svg_response("https://example.com/x")
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")


def test_plumbing_imports_no_app_of_the_project():
    """It sits below every app: importing one would tie the layers in a knot."""
    root = Path(plumbing.__file__).parent
    tops = {config.name.split(".")[0] for config in django_apps.get_app_configs()}
    apps = {top for top in tops if (settings.BASE_DIR / top).is_dir()}
    assert {"lessons", "quiz", "sharedresp"} <= apps
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in apps, f"{path} imports {name}"
