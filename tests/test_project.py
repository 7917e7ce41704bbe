"""Project-wide guards."""

import gc
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_templates_hold_no_inline_script_style_or_hx_on():
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text), (
            template
        )
        assert not re.search(r"\sstyle=", text), template
        assert "hx-on" not in text, template


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_commands = re.findall(r"^\s*(make \w+)", readme, flags=re.MULTILINE)[:2]
    assert first_commands == ["make run", "make test"]


def test_every_management_command_the_readme_names_exists():
    from django.core.management import get_commands

    named = set(re.findall(r"manage\.py\s+(\w+)", (ROOT / "README.md").read_text()))
    assert {"load_content", "close_expired_attempts"} <= named
    assert named <= set(get_commands())


def test_a_server_process_compiles_every_project_template_when_it_starts():
    from django.template.loader import get_template

    from sharedresp.warmup import project_templates, warm_up

    names = project_templates()
    folders = [ROOT / "templates", *ROOT.glob("[!.]*/templates")]
    on_disk = {
        str(path.relative_to(folder))
        for folder in folders
        if folder.parts[-2] != "tests"
        for path in folder.rglob("*.html")
    }
    # Ours only: Django's admin and the packages compile theirs when they are used.
    assert set(names) == on_disk
    assert {"base.html", "quiz/exam_question.html"} <= on_disk
    gc.unfreeze()
    warm_up()  # every template compiles
    cached = get_template("quiz/exam_question.html").template
    assert get_template("quiz/exam_question.html").template is cached
    # and what it loaded is left out of the garbage collector's full passes
    assert gc.get_freeze_count() > 10_000
    gc.unfreeze()
