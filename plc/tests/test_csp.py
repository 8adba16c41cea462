"""The Content Security Policy: every page is served with a strict one, and no
template of a served page carries what that policy would refuse.

The policy (plc/settings.py) allows scripts and styles from the site's own files
only: no inline <script>, no style="" attribute, no on*="" handler, no eval.
Such markup would not run or not apply in the browser, so it must not be written.

E-mail templates (templates/*/email/*.html) are not scanned: they are not served
as pages, and mail clients read only inline styles.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"

STYLE_ATTRIBUTE = re.compile(r"""<[^>]*\sstyle\s*=""", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def served_templates() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES.rglob("*.html")
        if "email" not in path.relative_to(TEMPLATES).parts[:-1]
    )


def offences(text: str) -> list[str]:
    found = []
    for pattern, what in (
        (STYLE_ATTRIBUTE, "a style attribute"),
        (HANDLER_ATTRIBUTE, "an inline event handler"),
    ):
        found += [f"{what}: {m.group(0)[:80]}" for m in pattern.finditer(text)]
    for match in SCRIPT_TAG.finditer(text):
        if not re.search(r"\ssrc\s*=", match.group(1), re.IGNORECASE):
            found.append(f"an inline script: {match.group(0)[:80]}")
    return found


@pytest.mark.parametrize(
    "markup",
    [
        '<div class="progress-bar" style="width: 40%"></div>',
        '<button type=button onclick="go()">Go</button>',
        '<td\n  style="min-width: 10rem">',
        "<script>alert(1)</script>",
        '<script type="module">import "x"</script>',
    ],
)
def test_the_scan_finds_what_the_policy_refuses(markup):
    assert offences(markup)


@pytest.mark.parametrize(
    "markup",
    [
        '<script src="/static/js/plc.js" defer></script>',
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>',
        '<div class="progress-bar w-pct-40" data-on="x"></div>',
        '<input name="online">',
    ],
)
def test_the_scan_passes_what_the_policy_allows(markup):
    assert not offences(markup)


def test_no_served_template_has_inline_style_script_or_handler():
    templates = served_templates()
    assert len(templates) > 50, "the templates folder moved?"
    found = {
        str(path.relative_to(TEMPLATES)): offences(path.read_text())
        for path in templates
    }
    assert not {name: what for name, what in found.items() if what}


def test_email_templates_are_the_only_ones_left_out():
    left_out = set(TEMPLATES.rglob("*.html")) - set(served_templates())
    assert all(path.parent.name == "email" for path in left_out)


def test_htmx_injects_no_style_and_evaluates_nothing():
    base = (TEMPLATES / "base.html").read_text()
    assert '"includeIndicatorStyles": false' in base
    assert '"allowEval": false' in base
    assert (
        ".htmx-indicator"
        in (Path(settings.BASE_DIR) / "static" / "css" / "plc.css").read_text()
    )


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client, cast):
    responses = [client.get(reverse("accounts:login"))]
    client.force_login(cast.principal)
    for name in ("dashboards:home", "schools:students"):
        responses.append(client.get(reverse(name)))
    for response in responses:
        assert response.status_code == 200, response.request["PATH_INFO"]
        header = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in header
        assert "unsafe-eval" not in header
        policy = directives(header)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:"]
        assert policy["connect-src"] == ["'self'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]


def test_a_bar_takes_its_width_from_a_class_per_whole_percent():
    from types import SimpleNamespace

    from assessments.templatetags.data_page import share_bar

    css = (Path(settings.BASE_DIR) / "static" / "css" / "utilities.css").read_text()
    for n in range(101):
        assert f".w-pct-{n} {{ width: {n}%; }}" in css
        assert f".start-pct-{n} {{ left: {n}%; }}" in css
    html = share_bar(SimpleNamespace(percent=62.5))
    assert 'class="w-pct-63"' in html and "style=" not in html
