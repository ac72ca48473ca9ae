"""A site at a glance: every camera's frame in one grid, each tile labelled.

A camera that gave no picture is a dark tile that says so: the mosaic is still sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from bot.cameras.overlay import burn_in

TILE_WIDTH, TILE_HEIGHT = 640, 360
GAP = 4
NO_SIGNAL_GREY = 40
MAX_SIDES = 9000


@dataclass(frozen=True)
class Tile:
    label: str
    image: np.ndarray | None  # None: the camera gave nothing
    failure: str = ""  # what to write on a failed tile, e.g. "sin señal"


def grid_shape(count: int) -> tuple[int, int]:
    """(columns, rows): as square as possible, wider than tall (2 → 2x1, 5 → 3x2, 9 → 3x3)."""
    columns = max(1, math.ceil(math.sqrt(count)))
    return columns, max(1, math.ceil(count / columns))


def letterbox(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Fit `image` into width x height without distorting it; the rest is black."""
    source_height, source_width = image.shape[:2]
    scale = min(width / source_width, height / source_height)
    new_size = (max(1, round(source_width * scale)), max(1, round(source_height * scale)))
    resized = cv2.resize(image, new_size, interpolation=cv2.INTER_AREA)
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    top, left = (height - new_size[1]) // 2, (width - new_size[0]) // 2
    canvas[top : top + new_size[1], left : left + new_size[0]] = resized
    return canvas


def render_tile(tile: Tile) -> np.ndarray:
    if tile.image is None:
        blank = np.full((TILE_HEIGHT, TILE_WIDTH, 3), NO_SIGNAL_GREY, dtype=np.uint8)
        cv2.line(blank, (0, 0), (TILE_WIDTH - 1, TILE_HEIGHT - 1), (70, 70, 70), 2)
        cv2.line(blank, (0, TILE_HEIGHT - 1), (TILE_WIDTH - 1, 0), (70, 70, 70), 2)
        return burn_in(blank, [tile.label, tile.failure], at_bottom=True, size=22)
    return burn_in(letterbox(tile.image, TILE_WIDTH, TILE_HEIGHT), [tile.label], at_bottom=True, size=22)


def compose(tiles: list[Tile], header: list[str]) -> np.ndarray:
    """The grid, with `header` (site, time, who asked) burnt across the top."""
    columns, rows = grid_shape(len(tiles))
    width = columns * TILE_WIDTH + (columns + 1) * GAP
    header_height = 90
    height = header_height + rows * TILE_HEIGHT + (rows + 1) * GAP
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    for index, tile in enumerate(tiles):
        row, column = divmod(index, columns)
        top = header_height + GAP + row * (TILE_HEIGHT + GAP)
        left = GAP + column * (TILE_WIDTH + GAP)
        canvas[top : top + TILE_HEIGHT, left : left + TILE_WIDTH] = render_tile(tile)
    canvas[:header_height] = burn_in(canvas[:header_height], header, size=28)
    if width + height > MAX_SIDES:  # Telegram refuses photos whose width + height exceed 10000
        scale = MAX_SIDES / (width + height)
        canvas = cv2.resize(canvas, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    return canvas
