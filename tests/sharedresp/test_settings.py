import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_KEY = "x7!kq2-production-like-secret-key-for-the-deploy-check-0123456789abcdef"


def run_manage(*args, **env):
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean_env.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
        # collectstatic compresses every file with Brotli: slow on a busy machine.
        timeout=300,
        check=False,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_check_deploy_prints_no_warning_in_production_mode():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
        DJANGO_ALLOWED_HOSTS="training.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_a_typo_in_a_yes_no_variable_stops_the_app():
    result = run_manage("check", DJANGO_DEBUG="ture")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 1 or 0" in result.stderr


def test_manage_py_on_a_developer_machine_runs_in_debug_mode():
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")


def test_manage_py_with_a_secret_key_runs_in_production_mode():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
    )
    assert result.stdout.strip().endswith("False"), result.stderr


def test_debug_mode_runs_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_tests_run_in_production_mode_for_cookies_and_debug():
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.CSRF_COOKIE_SECURE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_database_url_selects_the_engine():
    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite3"
    )
    assert settings.DATABASES["default"]["ENGINE"].endswith(expected)


@pytest.mark.parametrize("directive", ["'unsafe-inline'", "'unsafe-eval'"])
def test_policy_allows_nothing_unsafe(directive):
    for sources in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].values():
        assert directive not in sources


PRODUCTION_PAGE_SCRIPT = """
import django, os
django.setup()
from django.test import Client
client = Client(HTTP_HOST="training.example.com")
html = client.get("/accounts/login/", secure=True).content.decode()
print(html)
"""


def test_production_serves_hashed_compressed_static_files(tmp_path):
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": PRODUCTION_KEY,
        "DJANGO_ALLOWED_HOSTS": "training.example.com",
        "DJANGO_STATIC_ROOT": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    collected = run_manage("collectstatic", "--noinput", **env)
    assert collected.returncode == 0, collected.stderr
    assert list(tmp_path.glob("css/site.*.css.gz")), "no compressed, hashed stylesheet"
    assert list(tmp_path.glob("css/site.*.css.br")), "no Brotli stylesheet"
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    page = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PRODUCTION_PAGE_SCRIPT],
        cwd=ROOT,
        env={**clean_env, **env, "DJANGO_SETTINGS_MODULE": "sharedresp.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert page.returncode == 0, page.stderr
    assert re.search(r'href="/static/css/site\.[0-9a-f]{12}\.css"', page.stdout)
    assert re.search(r'src="/static/django_htmx/htmx-2\.min\.[0-9a-f]{12}\.js"', page.stdout)
