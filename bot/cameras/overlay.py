"""Text burnt into pictures: camera, site, local time, who asked.

cv2.putText only draws ASCII ("Aduana Aérea" would lose its accent), so text goes through Pillow
with DejaVu Sans: the copy inside matplotlib's wheel (always installed with the bot), else
Debian's fonts-dejavu-core, else Pillow's built-in font.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")


def font_path(bold: bool = False) -> Path | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    spec = importlib.util.find_spec("matplotlib")  # finds the wheel without importing matplotlib
    candidates = [SYSTEM_FONTS / name]
    if spec and spec.submodule_search_locations:
        candidates.insert(0, Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf" / name)
    return next((path for path in candidates if path.is_file()), None)


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_path(bold)
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)


def fit_text(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.ImageFont, width: float) -> str:
    """`text`, cut with an ellipsis if it is wider than `width` pixels."""
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def burn_in(image: np.ndarray, lines: list[str], *, at_bottom: bool = False, size: int | None = None) -> np.ndarray:
    """A copy of the BGR `image` with `lines` on a darkened band across the top (or bottom).

    The text is ~2.8% of the picture's height unless `size` (pixels) says otherwise. Only the
    band goes through Pillow, so a 1080p frame costs a few milliseconds.
    """
    height, width = image.shape[:2]
    size = size or max(12, round(min(height, width * 9 / 16) * 0.028))
    line_height = round(size * 1.3)
    margin = max(4, size // 3)
    band_height = min(height, margin * 2 + line_height * len(lines))
    result = image.copy()
    rows = slice(height - band_height, height) if at_bottom else slice(0, band_height)
    band = (result[rows].astype(np.uint16) * 2 // 5).astype(np.uint8)  # darken to 40%
    canvas = Image.fromarray(band[:, :, ::-1])
    draw = ImageDraw.Draw(canvas)
    for index, line in enumerate(lines):
        face = font(size, bold=index == 0)
        text = fit_text(draw, line, face, width - 2 * margin)
        draw.text((margin, margin + index * line_height), text, font=face, fill=(255, 255, 255))
    result[rows] = np.asarray(canvas)[:, :, ::-1]
    return result
