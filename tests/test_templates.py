"""Template source rules that Django doesn't enforce itself."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "fairbill" / "templates"


def test_no_comment_tag_spans_lines():
    # Django's {# ... #} comments are one line only: one that spans lines is printed on the
    # page as text. Longer comments use {% comment %}.
    broken = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert broken == []


def test_the_back_office_shows_no_template_comment(staff_client):
    page = staff_client.get("/").content.decode()
    assert "{#" not in page
