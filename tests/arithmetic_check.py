"""Find every displayed `A × B = C` (or `A × B ≈ C`) in text or HTML and check it multiplies out.

Shared by the arithmetic tests and the browser tests: a student multiplies the numbers on the
screen, so each product, rounded to the last digit C shows, must give C.
"""

import re
from decimal import Decimal
from html.parser import HTMLParser

NUMBER = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
PRODUCT = re.compile(rf"({NUMBER})\s*×\s*({NUMBER})\s*(=|≈)\s*({NUMBER})")


class _Text(HTMLParser):
    BLOCKS = {"p", "div", "td", "th", "tr", "li", "br", "section", "h1", "h2", "h3", "h4", "table"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.BLOCKS:  # a browser puts these on their own line or cell
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(page: str) -> str:
    """The text a browser shows for `page` (tags dropped, entities decoded)."""
    parser = _Text()
    parser.feed(page)
    return "".join(parser.parts)


def displayed_products(text: str) -> list[tuple[str, str, str, str]]:
    """Every `A × B = C` / `A × B ≈ C` in `text`, as (A, B, relation, C) strings."""
    return PRODUCT.findall(text)


def wrong_products(text: str) -> list[str]:
    """The displayed products written with "=" that do not multiply out at C's precision."""
    wrong = []
    for a, b, relation, c in displayed_products(text):
        target = Decimal(c)
        half_unit = Decimal(1).scaleb(target.as_tuple().exponent) / 2
        if relation == "=" and abs(Decimal(a) * Decimal(b) - target) > half_unit:
            wrong.append(f"{a} × {b} = {c}")
    return wrong
