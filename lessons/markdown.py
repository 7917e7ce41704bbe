"""Markdown for course text: the usual formatting, no raw HTML.

Content files are reviewed, but a stray `<script>` or `style=` would still break the
Content-Security-Policy, so HTML in the source is escaped rather than passed through.
"""

import markdown
from django.utils.safestring import mark_safe


def render(source: str) -> str:
    converter = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    return mark_safe(converter.convert(source))  # noqa: S308 - raw HTML is escaped above
