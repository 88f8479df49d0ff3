"""A small, escaping builder for HTML and inline SVG elements."""

from __future__ import annotations

import html
from collections.abc import Iterable

VOID = frozenset({"area", "br", "col", "hr", "img", "input", "link", "meta", "wbr"})
"""HTML elements that take no closing tag."""


class Markup(str):
    """Text that is already safe HTML, so it is not escaped again."""

    __slots__ = ()


Child = str | Markup | None
"""A child of an element: text (escaped), Markup (kept) or None (left out)."""


def escape(text: str) -> Markup:
    """Text escaped for use in HTML, quotes included."""
    return text if isinstance(text, Markup) else Markup(html.escape(text, quote=True))


def join(children: Iterable[Child]) -> Markup:
    """Children one after another, each escaped unless it is already Markup."""
    return Markup("".join(escape(c) for c in children if c is not None))


def _name(key: str) -> str:
    """A keyword argument as an attribute name: class_ -> class, aria_x -> aria-x."""
    return key.rstrip("_").replace("_", "-")


def el(name: str, /, *children: Child, **attrs: str | float | bool | None) -> Markup:
    """An element with escaped attributes and children (False and None are left out)."""
    parts = [name]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        attr = _name(key)
        if value is True:
            parts.append(attr)
        else:
            text = f"{value:g}" if isinstance(value, float) else str(value)
            parts.append(f'{attr}="{escape(text)}"')
    start = f"<{' '.join(parts)}>"
    if name in VOID:
        return Markup(start)
    return Markup(f"{start}{join(children)}</{name}>")
