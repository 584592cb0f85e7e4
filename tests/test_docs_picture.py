"""The README's picture (docs/backprop.svg): today's drawing of the sigmoid circuit, readable in GitHub's column."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from arithmetic_check import wrong_products

from autograd import draw, steps
from autograd.__main__ import worked_example

PICTURE = Path(__file__).parents[1] / "docs" / "backprop.svg"
README = Path(__file__).parents[1] / "README.md"
COLUMN = 880  # px: the width GitHub gives a README image
SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg.encode()).iter(f"{SVG}text")]


def test_the_readme_shows_the_picture():
    assert "(docs/backprop.svg)" in README.read_text(encoding="utf-8")


def test_the_picture_is_the_exp_step_as_draw_shows_it_today():
    f, _ = worked_example()
    fresh = draw(f, highlight=steps(f)[2], rankdir="TB").svg()
    assert texts(PICTURE.read_text(encoding="utf-8")) == texts(fresh)  # regenerate it when this fails


def test_text_stays_at_least_11_px_high_at_the_column_width():
    svg = PICTURE.read_text(encoding="utf-8")
    width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg)[1])
    scale = min(1.0, COLUMN / (width_pt * 4 / 3))
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert min(sizes) * 4 / 3 * scale >= 11, (width_pt, min(sizes))


def test_the_pictures_arithmetic_multiplies_out():
    shown = " ".join(texts(PICTURE.read_text(encoding="utf-8")))
    assert "-0.53 × 0.37 = -0.20" in shown and wrong_products(shown) == []
