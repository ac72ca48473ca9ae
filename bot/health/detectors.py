"""Is this camera's picture healthy? Pure image judgement for the health monitor: numpy and OpenCV only.

A probe grabs one frame; `sample` reduces it once to small features (on a capture thread, ~10 ms
at 1080p), and `judge` compares them with the camera's own `Reference`, its healthy look learned
from healthy probes (one for the day, one for the night). Comparing a camera with itself is what
makes the rules work: absolute thresholds fail (a real night scene has a mean of 19 with 83% flat
cells), so without a reference only `black` and `overexposed` are judged. Thresholds start from
cameras.md and were tuned on the labelled set of tests/test_health_detectors.py (synthetic faults
on scikit-image's photos); tune them again on real footage when there is some.

- black: mean under 10 and 95% of pixels under ffmpeg blackdetect's level. Not for a camera whose
  own reference is that dark (the dark rule still watches it).
- overexposed: mean over 200 or half the picture saturated; with a reference, only when more than
  55% of the headroom from the reference's brightness to white is gone (+30% light on a bright
  scene is not a fault).
- dark: mean under a quarter of the reference's, and at least 8 grey levels down.
- covered: more than 40% of the reference's textured cells went flat (local contrast, std over
  mean, under a quarter of theirs: light changes do not do that, a hand or a bag does), and what
  still shows matches the reference (else the camera sees another, plainer scene).
- moved: ORB features (of the equalised picture, so dim scenes have some too) matched to the
  reference's and a similarity fitted with RANSAC: the centre shifted more than 3% of the width,
  turned more than 2 degrees or zoomed more than 8%, with matches spread over 15%+ of the view
  (not one small thing moving) and the reference, moved so, matching the picture no worse (a fit
  on chance matches does not). A fit near identity proves the reference's view is there, so it
  is then never "scene_changed".
- scene_changed: no fit, and the small grey pictures no longer correlate (ZNCC, blind to light),
  neither as a whole nor in the median textured cell (a passing truck spoils the first only).
- defocused: fine detail (a difference of Gaussians, 1.5 and 3 px at 640 px wide, which pixel
  noise hardly reaches) over grey variance, per textured cell: the median cell under 45% of the
  reference's. Per cell, so neither haze nor a shadow over half the view changes it.
- frozen (`is_frozen`, over probes): no change across 3+ samples spanning 30+ s, compared at
  320 px wide where sensor noise survives. The median cell decides, so a burnt-in clock cannot
  hide a freeze while a still but live scene (fresh noise in every cell) is not frozen. Anything
  moving off the top and bottom rows, where overlays sit, or in two places along them, also
  proves a noise-free camera (a test pattern) live.

Ranked: black, overexposed and dark say it all; covered hides the rest; moved hides scene_changed.
Nothing here remembers: the monitor keeps the references and the recent samples.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

CONDITIONS = ("black", "dark", "overexposed", "covered", "defocused", "moved", "scene_changed", "frozen")

WORK_WIDTH = 640  # the picture is judged at this width (the height keeps the aspect)
THUMB_WIDTH = 160  # the small picture for correlation and cell contrast
FINE_WIDTH = 320  # the picture kept for the frozen check: noise still shows, and 6 samples cost 0.35 MB
GRID = (6, 8)  # rows, columns of cells
FREEZE_GRID = (12, 16)  # finer cells for the frozen check: the top and bottom rows are where overlays sit
ORB_FEATURES = 300  # enough for a robust fit; matching costs grow with the square of this
ORB_LEVELS = 4  # scales 1 to 1.7: a zoom beyond that is no longer the same view anyway
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Thresholds:
    """Every number the judgement uses. Brightness levels are 0-255 grey; fractions 0-1."""

    black_mean: float = 10.0  # black: mean brightness under this...
    black_level: int = 26  # ...and pixels darker than this (ffmpeg blackdetect's 0.10)...
    black_fraction: float = 0.95  # ...make up at least this share of the picture
    over_mean: float = 200.0  # overexposed: mean brightness above this...
    saturated_level: int = 250  # ...or pixels at least this bright...
    over_saturated: float = 0.5  # ...make up more than this share of the picture...
    over_headroom: float = 0.55  # ...and (with a reference) this share of its headroom to white is gone
    dark_ratio: float = 0.25  # dark: mean under this share of the reference's mean...
    dark_drop: float = 8.0  # ...and this many grey levels under it (ratios of near-black means are noise)
    textured_std: float = 4.0  # a reference cell with at least this grey deviation...
    textured_contrast: float = 0.04  # ...and this local contrast (deviation / (mean + 10)) has texture to watch
    flat_ratio: float = 0.25  # a textured cell is flat now under this share of its local contrast...
    flat_contrast: float = 0.02  # ...or under this local contrast
    covered_fraction: float = 0.4  # covered: more than this share of the textured cells went flat...
    covered_fully: float = 0.9  # ...and the rest still matches the reference, or more than this share did
    min_textured_cells: int = 6  # fewer textured cells than this: covered cannot be judged
    defocus_ratio: float = 0.45  # defocused: sharpness under this share of the reference's
    min_keypoints: int = 20  # fewer ORB features than this on either side: moved cannot be judged
    moved_min_inliers: int = 12  # a transform supported by fewer matches than this is no evidence...
    moved_min_spread: float = 0.15  # ...nor one whose matches span less than this share of width and height
    moved_shift: float = 0.03  # moved: the centre shifted by more than this share of the width...
    moved_rotation_deg: float = 2.0  # ...or the picture turned by more than this...
    moved_scale: float = 0.08  # ...or zoomed in or out by more than this share
    scene_zncc: float = 0.5  # scene_changed: correlation with the reference under this
    frozen_mad: float = 0.0005  # frozen: median cell's mean absolute difference (0-1) under this...
    frozen_motion: float = 0.01  # ...and cells changed this much only in one place of the top or bottom row...
    frozen_samples: int = 3  # ...between each sample and the newest, over at least this many samples...
    frozen_span_s: float = 30.0  # ...spanning at least this many seconds


def _empty_points() -> np.ndarray:
    return np.zeros((0, 2), np.float32)


def _empty_descriptors() -> np.ndarray:
    return np.zeros((0, 32), np.uint8)


@dataclass(frozen=True, eq=False)
class Sample:
    """The features of one frame, computed once per probe (arrays are not to be modified)."""

    size: tuple[int, int]  # (width, height) of the working picture
    mean: float  # grey mean, 0-255
    histogram: np.ndarray  # float32 (256,): share of pixels at each grey level
    chroma: float  # mean colourfulness, 0-1 (about 0 for an infrared night picture)
    cell_sharpness: np.ndarray  # float32 GRID: fine-detail energy over grey variance, per cell
    thumb: np.ndarray  # uint8 grey, THUMB_WIDTH wide
    cell_mean: np.ndarray  # float32 GRID: brightness of each cell of the thumb
    cell_std: np.ndarray  # float32 GRID: contrast of each cell of the thumb
    fine: np.ndarray  # uint8 grey, FINE_WIDTH wide: for the frozen check
    points: np.ndarray = field(default_factory=_empty_points)  # float32 (n, 2) ORB keypoints, working pixels
    descriptors: np.ndarray = field(default_factory=_empty_descriptors)  # uint8 (n, 32)

    def share_below(self, level: int) -> float:
        """Share of pixels darker than `level`."""
        return float(self.histogram[:level].sum())

    def share_from(self, level: int) -> float:
        """Share of pixels at `level` or brighter."""
        return float(self.histogram[level:].sum())


def _cells(image: np.ndarray, grid: tuple[int, int] = GRID) -> np.ndarray:
    """The picture cut into cells: shape (rows, cell height, columns, cell width)."""
    rows, cols = grid
    height, width = image.shape[0] // rows, image.shape[1] // cols
    return image[: rows * height, : cols * width].reshape(rows, height, cols, width)


def _grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _chroma(image: np.ndarray) -> float:
    if image.ndim == 2 or image.shape[2] < 3:
        return 0.0
    small = cv2.resize(
        image, (160, max(1, round(160 * image.shape[0] / image.shape[1]))), interpolation=cv2.INTER_NEAREST
    )
    pixels = small[..., :3]
    return float((pixels.max(axis=2).astype(np.int16) - pixels.min(axis=2)).mean() / 255.0)


def sample(image: np.ndarray) -> Sample:
    """A BGR (or grey) frame of any size reduced to the features `judge` and `is_frozen` need."""
    if image.dtype != np.uint8:
        raise ValueError(f"expected an 8-bit picture, got {image.dtype}")
    grey = _grey(image)
    height, width = grey.shape
    work_height = max(GRID[0] * 8, round(WORK_WIDTH * height / width))
    shrinking = width > WORK_WIDTH
    work = cv2.resize(grey, (WORK_WIDTH, work_height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    thumb_height = max(GRID[0] * 2, round(work_height * THUMB_WIDTH / WORK_WIDTH))
    thumb = cv2.resize(work, (THUMB_WIDTH, thumb_height), interpolation=cv2.INTER_AREA)
    fine_height = max(GRID[0] * 4, round(work_height * FINE_WIDTH / WORK_WIDTH))
    fine = cv2.resize(work, (FINE_WIDTH, fine_height), interpolation=cv2.INTER_AREA)
    mean = cv2.mean(work)[0]
    band = cv2.GaussianBlur(work, (0, 0), 1.5).astype(np.float32) - cv2.GaussianBlur(work, (0, 0), 3.0)
    band_energy = _cells(band * band).mean(axis=(1, 3))
    variance = _cells(work.astype(np.float32)).var(axis=(1, 3))
    histogram = cv2.calcHist([work], [0], None, [256], [0, 256]).ravel() / work.size
    keypoints, descriptors = cv2.ORB_create(
        nfeatures=ORB_FEATURES, nlevels=ORB_LEVELS, fastThreshold=12
    ).detectAndCompute(cv2.equalizeHist(work), None)
    return Sample(
        size=(WORK_WIDTH, work_height),
        mean=float(mean),
        histogram=histogram.astype(np.float32),
        chroma=_chroma(image),
        cell_sharpness=(band_energy / np.maximum(variance, 25.0)).astype(np.float32),
        thumb=thumb,
        cell_mean=_cells(thumb).mean(axis=(1, 3)).astype(np.float32),
        cell_std=_cells(thumb).std(axis=(1, 3)).astype(np.float32),
        fine=fine,
        points=np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2),
        descriptors=descriptors if descriptors is not None else _empty_descriptors(),
    )


@dataclass(frozen=True, eq=False)
class Reference:
    """A camera's own healthy look: the averaged features of healthy samples.

    Brightness, contrast and the small picture follow the camera slowly (`refreshed`); the ORB
    features stay those of the sample the reference was made from, so a camera that creeps a
    little every minute is still found moved. Learn a new one after an intended re-aim.
    """

    size: tuple[int, int]
    mean: float
    chroma: float
    cell_sharpness: np.ndarray  # float32 GRID
    thumb: np.ndarray  # float32
    cell_mean: np.ndarray  # float32 GRID
    cell_std: np.ndarray  # float32 GRID
    points: np.ndarray  # float32 (n, 2)
    descriptors: np.ndarray  # uint8 (n, 32)
    samples: int = 1  # how many healthy samples went into it

    @classmethod
    def from_sample(cls, s: Sample) -> Reference:
        return cls(
            size=s.size,
            mean=s.mean,
            chroma=s.chroma,
            cell_sharpness=s.cell_sharpness.copy(),
            thumb=s.thumb.astype(np.float32),
            cell_mean=s.cell_mean.copy(),
            cell_std=s.cell_std.copy(),
            points=s.points.copy(),
            descriptors=s.descriptors.copy(),
        )

    def refreshed(self, s: Sample, weight: float = 0.05) -> Reference:
        """A step of `weight` toward a healthy sample (an exponential average: 0.05 is ~20 probes).

        A sample of another size (the camera's aspect changed) is ignored: learn a new reference.
        """
        if s.size != self.size:
            return self
        w = min(max(weight, 0.0), 1.0)

        def blend(old: float, new: float) -> float:
            return (1 - w) * old + w * new

        return Reference(
            size=self.size,
            mean=blend(self.mean, s.mean),
            chroma=blend(self.chroma, s.chroma),
            cell_sharpness=np.exp(
                (1 - w) * np.log(np.maximum(self.cell_sharpness, 1e-6)) + w * np.log(np.maximum(s.cell_sharpness, 1e-6))
            ).astype(np.float32),
            thumb=((1 - w) * self.thumb + w * s.thumb).astype(np.float32),
            cell_mean=((1 - w) * self.cell_mean + w * s.cell_mean).astype(np.float32),
            cell_std=((1 - w) * self.cell_std + w * s.cell_std).astype(np.float32),
            points=self.points,
            descriptors=self.descriptors,
            samples=self.samples + 1,
        )

    def to_bytes(self) -> bytes:
        """Compressed npz, ~40 KB: the small picture as float16, the ORB features as they are."""
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            version=np.array(FORMAT_VERSION),
            size=np.array(self.size, np.int32),
            scalars=np.array([self.mean, self.chroma], np.float64),
            samples=np.array(self.samples, np.int64),
            thumb=self.thumb.astype(np.float16),
            cell_mean=self.cell_mean.astype(np.float32),
            cell_sharpness=self.cell_sharpness.astype(np.float32),
            cell_std=self.cell_std.astype(np.float32),
            points=self.points.astype(np.float32),
            descriptors=self.descriptors.astype(np.uint8),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Reference:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            if int(stored["version"]) != FORMAT_VERSION:
                raise ValueError(f"reference format {int(stored['version'])}, expected {FORMAT_VERSION}")
            mean, chroma = (float(v) for v in stored["scalars"])
            width, height = (int(v) for v in stored["size"])
            return cls(
                size=(width, height),
                mean=mean,
                chroma=chroma,
                cell_sharpness=stored["cell_sharpness"].astype(np.float32),
                thumb=stored["thumb"].astype(np.float32),
                cell_mean=stored["cell_mean"].astype(np.float32),
                cell_std=stored["cell_std"].astype(np.float32),
                points=stored["points"].astype(np.float32).reshape(-1, 2),
                descriptors=stored["descriptors"].astype(np.uint8).reshape(-1, 32),
                samples=int(stored["samples"]),
            )


FLAT_STD = 1.0  # grey levels: a cell this even has no pattern to correlate, only its brightness
SAME_FLAT = 8.0  # grey levels: two even cells this close in brightness are alike


def _correlations(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """ZNCC along the last axis: 1 for the same pattern at any light level. Two even stretches
    (no pattern in either) are alike when about as bright, and an even one is unlike a patterned one."""
    first_mean, second_mean = first.mean(axis=-1), second.mean(axis=-1)
    first = first - first_mean[..., None]
    second = second - second_mean[..., None]
    first_var, second_var = (first * first).mean(axis=-1), (second * second).mean(axis=-1)
    product = (first * second).mean(axis=-1)
    zncc = product / np.sqrt(np.maximum(first_var * second_var, 1e-12))
    first_flat, second_flat = first_var < FLAT_STD**2, second_var < FLAT_STD**2
    alike = (np.abs(first_mean - second_mean) < SAME_FLAT).astype(np.float64)
    return np.where(first_flat & second_flat, alike, np.where(first_flat | second_flat, 0.0, zncc))


def _zncc(a: np.ndarray, b: np.ndarray) -> float:
    return float(_correlations(a.reshape(1, -1), b.reshape(1, -1))[0])


def _cell_zncc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The correlation of each GRID cell of two pictures of one size."""
    rows, cols = GRID
    first = _cells(a).transpose(0, 2, 1, 3).reshape(rows, cols, -1)
    second = _cells(b).transpose(0, 2, 1, 3).reshape(rows, cols, -1)
    return _correlations(first, second)


@dataclass(frozen=True)
class Motion:
    """How the picture moved relative to the reference (None fields: could not tell)."""

    inliers: int
    shift: float | None = None  # of the centre, as a share of the width
    rotation_deg: float | None = None
    scale: float | None = None
    matrix: tuple[float, ...] | None = None  # the 2x3 similarity, reference to sample, working pixels


def motion(s: Sample, reference: Reference, thresholds: Thresholds = Thresholds()) -> Motion:
    """ORB matches (cross-checked) and a similarity transform fitted with RANSAC."""
    if len(s.points) < thresholds.min_keypoints or len(reference.points) < thresholds.min_keypoints:
        return Motion(0)
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(reference.descriptors, s.descriptors)
    if len(matches) < thresholds.moved_min_inliers:
        return Motion(len(matches))
    source = np.float32([reference.points[m.queryIdx] for m in matches])
    target = np.float32([s.points[m.trainIdx] for m in matches])
    matrix, inliers = cv2.estimateAffinePartial2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=3.0, maxIters=2000, confidence=0.995
    )
    count = int(inliers.sum()) if inliers is not None else 0
    if matrix is None or count < thresholds.moved_min_inliers:
        return Motion(count)
    width, height = s.size
    held = target[inliers.ravel() == 1]
    spread = max(float(np.ptp(held[:, 0])) / width, float(np.ptp(held[:, 1])) / height)
    if spread < thresholds.moved_min_spread:
        return Motion(count)  # matches on one small thing only (a ball, a bird): it moved, not the camera
    centre = np.array([width / 2, height / 2])
    moved_centre = matrix[:, :2] @ centre + matrix[:, 2]
    return Motion(
        inliers=count,
        shift=float(np.linalg.norm(moved_centre - centre)) / width,
        rotation_deg=math.degrees(math.atan2(matrix[1, 0], matrix[0, 0])),
        scale=math.hypot(matrix[0, 0], matrix[1, 0]),
        matrix=tuple(float(v) for v in matrix.ravel()),
    )


def _is_moved(found: Motion, thresholds: Thresholds) -> bool:
    if found.shift is None or found.rotation_deg is None or found.scale is None:
        return False
    return (
        found.shift > thresholds.moved_shift
        or abs(found.rotation_deg) > thresholds.moved_rotation_deg
        or abs(math.log(found.scale)) > math.log1p(thresholds.moved_scale)
    )


def _aligned_zncc(s: Sample, reference: Reference, found: Motion, textured: np.ndarray) -> float:
    """The median textured cell's correlation once the reference is moved as `found` says."""
    assert found.matrix is not None
    matrix = np.array(found.matrix, np.float64).reshape(2, 3)
    matrix[:, 2] *= s.thumb.shape[1] / s.size[0]  # working pixels to thumb pixels
    height, width = s.thumb.shape
    moved = cv2.warpAffine(reference.thumb, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    return float(np.median(_cell_zncc(s.thumb, moved)[textured]))


@dataclass(frozen=True)
class Measures:
    """The numbers `judge` decides on, for logs and for tuning."""

    gain: float  # mean brightness over the reference's
    headroom_used: float  # share of the way from the reference's brightness to white
    covered_share: float  # share of the reference's textured cells that are flat now
    shown_zncc: float  # median cell correlation of the textured cells that are not flat now
    zncc: float  # correlation of the whole small picture with the reference's
    cell_zncc: float  # median correlation of the reference's textured cells
    textured: np.ndarray  # bool GRID: the reference's cells with texture (all when too few have)
    sharpness_ratio: float  # median over the textured cells of sharpness over the reference's


def measure(s: Sample, reference: Reference, thresholds: Thresholds = Thresholds()) -> Measures:
    """Everything but the motion, which costs a few milliseconds and is found only when needed."""
    gain = s.mean / max(reference.mean, 1.0)
    headroom_used = (s.mean - reference.mean) / max(255.0 - reference.mean, 1.0)
    if s.size != reference.size:
        return Measures(gain, headroom_used, 0.0, 0.0, 0.0, 0.0, np.ones(GRID, bool), 1.0)
    # Local contrast (Weber): a dimmer or brighter but unchanged cell keeps it, a covered one loses it.
    contrast = s.cell_std / (s.cell_mean + 10.0)
    reference_contrast = reference.cell_std / (reference.cell_mean + 10.0)
    textured = (reference.cell_std >= thresholds.textured_std) & (reference_contrast >= thresholds.textured_contrast)
    cells = _cell_zncc(s.thumb, reference.thumb)
    zncc = _zncc(s.thumb, reference.thumb)
    if int(textured.sum()) < thresholds.min_textured_cells:
        # Too little texture to see a cover or a blur in (a night, a test pattern on black): only
        # the light, the features and the correlation of the whole picture can be judged.
        every = np.ones(GRID, bool)
        return Measures(gain, headroom_used, 0.0, 1.0, zncc, float(np.median(cells)), every, 1.0)
    flat = textured & (contrast < np.maximum(thresholds.flat_ratio * reference_contrast, thresholds.flat_contrast))
    shown = textured & ~flat
    return Measures(
        gain=gain,
        headroom_used=headroom_used,
        covered_share=float(flat.sum()) / float(textured.sum()),
        shown_zncc=float(np.median(cells[shown])) if shown.any() else 1.0,
        zncc=zncc,
        cell_zncc=float(np.median(cells[textured])),
        textured=textured,
        sharpness_ratio=float(
            np.median(s.cell_sharpness[textured] / np.maximum(reference.cell_sharpness[textured], 1e-9))
        ),
    )


def judge(s: Sample, reference: Reference | None, thresholds: Thresholds = Thresholds()) -> frozenset[str]:
    """The conditions found in this one frame; empty when it looks healthy.

    Without a reference only the absolute conditions (black, overexposed) are judged. A camera
    whose reference is itself that black is not called black (the dark rule still applies); one
    whose reference is already bright is called overexposed only when most of its headroom to
    white is gone.
    """
    black = s.mean < thresholds.black_mean and s.share_below(thresholds.black_level) >= thresholds.black_fraction
    bright = s.mean > thresholds.over_mean or s.share_from(thresholds.saturated_level) > thresholds.over_saturated
    if reference is None:
        return frozenset({"black"} if black else {"overexposed"} if bright else set())
    if black and reference.mean >= thresholds.black_mean:
        return frozenset({"black"})
    found = measure(s, reference, thresholds)
    if bright and found.headroom_used > thresholds.over_headroom:
        return frozenset({"overexposed"})
    if found.gain < thresholds.dark_ratio and reference.mean - s.mean >= thresholds.dark_drop:
        return frozenset({"dark"})
    if s.size != reference.size:
        return frozenset({"scene_changed"})  # another aspect: another stream, or a reconfigured camera
    if found.covered_share > thresholds.covered_fraction and (
        found.covered_share > thresholds.covered_fully or found.shown_zncc >= thresholds.scene_zncc
    ):
        return frozenset({"covered"})
    conditions: set[str] = set()
    moved = motion(s, reference, thresholds)
    if _is_moved(moved, thresholds) and _aligned_zncc(s, reference, moved, found.textured) < found.cell_zncc - 0.02:
        moved = Motion(moved.inliers)  # a fit on a few chance matches: moving the reference so matches worse
    if moved.shift is not None:  # the features of the reference's view are there: not another scene
        if _is_moved(moved, thresholds):
            conditions.add("moved")
    elif found.zncc < thresholds.scene_zncc and found.cell_zncc < thresholds.scene_zncc:
        return frozenset({"scene_changed"})
    if found.sharpness_ratio < thresholds.defocus_ratio:
        conditions.add("defocused")
    return frozenset(conditions)


def change_map(a: Sample, b: Sample) -> np.ndarray:
    """Each FREEZE_GRID cell's mean absolute difference between two samples, 0-1."""
    if a.fine.shape != b.fine.shape:
        return np.ones(FREEZE_GRID, np.float32)
    return _cells(cv2.absdiff(a.fine, b.fine), FREEZE_GRID).mean(axis=(1, 3)) / 255.0


def change(a: Sample, b: Sample) -> float:
    """How much the picture changed between two samples: the median cell's mean absolute
    difference, 0-1. A ticking clock moves a few cells, not the median."""
    return float(np.median(change_map(a, b)))


def _still(a: Sample, b: Sample, thresholds: Thresholds) -> bool:
    cells = change_map(a, b)
    if float(np.median(cells)) >= thresholds.frozen_mad:
        return False  # fresh noise in every cell, or most of the picture changed: live
    moving = (cells >= thresholds.frozen_motion).astype(np.uint8)
    if moving[1:-1].any():
        return False  # something moved in the scene, off the overlay rows
    # An overlay changes in one place; something moving along an edge shows where it was and where it is.
    blobs, _ = cv2.connectedComponents(cv2.dilate(moving, np.ones((3, 3), np.uint8)))
    return blobs - 1 <= 1


def is_frozen(recent: Sequence[tuple[float, Sample]], thresholds: Thresholds = Thresholds()) -> bool:
    """Whether the newest samples show one still picture: at least `frozen_samples` of them, each
    hardly different from the newest, spanning at least `frozen_span_s` seconds.

    Still means: the median cell did not change (fresh sensor noise changes every cell of a live
    camera), and what changed at all is in one place in the top or bottom row of cells, where a
    burnt-in clock sits (a live scene without noise, like a test pattern, still shows movement
    elsewhere, or in two places: where something was and where it is now).

    `recent` is (time in seconds, sample), oldest first; older history is fine (only the still run
    at the end counts). Probes every 15 s need 3 samples; a probe a minute also needs 3 (2 min).
    """
    if len(recent) < thresholds.frozen_samples:
        return False
    newest_at, newest = recent[-1]
    count, started_at = 1, newest_at
    for at, earlier in reversed(recent[:-1]):
        if not _still(earlier, newest, thresholds):
            break
        count, started_at = count + 1, at
    return count >= thresholds.frozen_samples and newest_at - started_at >= thresholds.frozen_span_s
