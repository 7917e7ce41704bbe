"""Markdown for course text and workshop slides: the usual formatting, no raw HTML.

Content files are reviewed, but a stray `<script>` or `style=` would still break the
Content-Security-Policy, so HTML in the source is escaped rather than passed through.
Content is rendered once, when it is saved (load_content or the admin), and the HTML is
stored beside its Markdown: a page view never runs the converter.

Slides are also written by facilitators in the browser, so addresses are allow-listed:
links go to http(s), mail or this site (never `javascript:` or `data:`), and images come
from this site only (an outside image would tell its server who is in the room). A link
or image that fails keeps its text and loses its address.
"""

import threading
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import markdown
from django.utils.safestring import mark_safe
from markdown.treeprocessors import Treeprocessor

LINK_SCHEMES = {"http", "https", "mailto"}


def _is_local(address: str) -> bool:
    """A path on this site: no scheme, no host (`//host/...` is another site)."""
    parts = urlsplit(address)
    return not parts.scheme and not parts.netloc and not address.startswith("\\")


def is_allowed_link(address: str) -> bool:
    # Browsers drop tabs, newlines and leading spaces inside a scheme ("java\tscript:").
    cleaned = "".join(address.split())
    scheme = urlsplit(cleaned).scheme.lower()
    return _is_local(cleaned) if not scheme else scheme in LINK_SCHEMES


def is_allowed_image(address: str) -> bool:
    cleaned = "".join(address.split())
    return cleaned.startswith("/") and _is_local(cleaned)


class _AllowListedAddresses(Treeprocessor):
    def run(self, root: Element) -> None:
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag == "a" and not is_allowed_link(child.get("href", "")):
                    child.tag = "span"
                    child.attrib.clear()
                elif child.tag == "img" and not is_allowed_image(child.get("src", "")):
                    replacement = Element("span")
                    replacement.text = child.get("alt", "")
                    replacement.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, replacement)


_local = threading.local()


def _converter() -> markdown.Markdown:
    """One converter per thread, reset between documents: building one costs more than
    converting a paragraph."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = markdown.Markdown(extensions=["sane_lists"], output_format="html")
        converter.preprocessors.deregister("html_block")
        converter.inlinePatterns.deregister("html")
        # After "inline" (priority 20), when links and images exist as elements.
        converter.treeprocessors.register(_AllowListedAddresses(converter), "allow_list", 5)
        _local.converter = converter
    return converter.reset()


def render(source: str) -> str:
    return mark_safe(_converter().convert(source))  # noqa: S308 - HTML escaped, addresses checked


class StoredHtml:
    """Read a stored HTML field as safe text: `why_html = StoredHtml("why_rendered")`."""

    def __init__(self, field: str):
        self.field = field

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return mark_safe(getattr(obj, self.field))  # noqa: S308 - rendered by render()
