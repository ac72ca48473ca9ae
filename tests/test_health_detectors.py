"""The health detectors on a labelled set made from scikit-image's photos (they ship in its wheel).

Each base photo is a camera, with a reference learned as the monitor learns one (from noisy, JPEG
compressed healthy probes). Normal variants (noise, light ±30%, JPEG, passing objects, a tremor,
haze, a shadow, white balance, gamma, a burnt-in clock) must look healthy against it; synthetic
faults, made as the UHCTD data set makes them (black, dark, glare, defocus, a hand or a bag over
the lens, a shift, a turn, a zoom, another scene), must be found as the right condition, and
frozen sequences under a ticking clock as frozen while live still scenes are not. The test prints
the detection and false-alarm rates (run pytest with -s to see them).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import pytest
import skimage.data

from bot.health.detectors import (
    CONDITIONS,
    Reference,
    Sample,
    Thresholds,
    change,
    is_frozen,
    judge,
    sample,
)

BASES: dict[str, Callable[[], np.ndarray]] = {
    "astronaut": skimage.data.astronaut,
    "camera": skimage.data.camera,
    "coffee": skimage.data.coffee,
    "chelsea": skimage.data.chelsea,
    "rocket": skimage.data.rocket,
    "coins": skimage.data.coins,
    "motorcycle": lambda: skimage.data.stereo_motorcycle()[0],
    "immunohistochemistry": skimage.data.immunohistochemistry,
    "clock": skimage.data.clock,
    "retina": skimage.data.retina,
}


def bgr(image: np.ndarray) -> np.ndarray:
    """scikit-image's RGB or grey photo as the BGR frame a camera gives."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2BGR)


def base(name: str) -> np.ndarray:
    image = bgr(BASES[name]())
    longest = max(image.shape[:2])
    if longest > 1000:
        scale = 1000 / longest
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return image


# ---- what happens to a camera's picture ---------------------------------------------------------


def noisy(image: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def lit(image: np.ndarray, gain: float, offset: float = 0.0) -> np.ndarray:
    return np.clip(image.astype(np.float32) * gain + offset, 0, 255).astype(np.uint8)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    _, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def passing_object(image: np.ndarray, seed: int, area: float = 0.06) -> np.ndarray:
    """A person or a car crossing: a textured box over a small part of the picture."""
    rng = np.random.default_rng(seed)
    height, width = image.shape[:2]
    box_h, box_w = int(height * np.sqrt(area) * 1.3), int(width * np.sqrt(area) / 1.3)
    top, left = rng.integers(0, height - box_h), rng.integers(0, width - box_w)
    out = image.copy()
    colour = rng.integers(30, 220, 3)
    out[top : top + box_h, left : left + box_w] = colour
    stripes = np.arange(box_w) % 12 < 6
    out[top : top + box_h, left : left + box_w][:, stripes] = colour // 2
    return out


def shadowed(image: np.ndarray, light: float) -> np.ndarray:
    """A cloud's or a building's shadow over the left half, with a soft edge."""
    height, width = image.shape[:2]
    mask = np.ones((height, width), np.float32)
    mask[:, : width // 2] = light
    mask = cv2.GaussianBlur(mask, (0, 0), width * 0.05)[..., None]
    return np.clip(image * mask, 0, 255).astype(np.uint8)


def gamma(image: np.ndarray, value: float) -> np.ndarray:
    table = np.clip(255 * (np.arange(256) / 255) ** value, 0, 255).astype(np.uint8)
    return cv2.LUT(image, table)


def zoomed(image: np.ndarray, factor: float) -> np.ndarray:
    """A PTZ camera left zoomed in: the middle of the view, enlarged."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 0, factor)
    return cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)


def shifted(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Moved by whole pixels (no interpolation blur), the new edge filled as a wider view would."""
    height, width = image.shape[:2]
    matrix = np.float32([[1, 0, round(dx * width)], [0, 1, round(dy * height)]])
    return cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)


def rotated(image: np.ndarray, degrees: float) -> np.ndarray:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)


def blurred(image: np.ndarray, share: float) -> np.ndarray:
    sigma = share * image.shape[1]
    return cv2.GaussianBlur(image, (0, 0), sigma)


def covered(image: np.ndarray, share: float, colour: tuple[int, int, int], seed: int) -> np.ndarray:
    """A hand or a bag near the lens: out of focus, so smooth; shaded; from one side."""
    height, width = image.shape[:2]
    out = image.astype(np.float32)
    edge = int(width * (1 - share))
    ramp = np.linspace(0.8, 1.1, height, dtype=np.float32)[:, None, None]
    hand = np.broadcast_to(np.float32(colour), (height, width, 3)) * ramp
    mask = np.zeros((height, width), np.float32)
    mask[:, edge:] = 1
    mask = cv2.GaussianBlur(mask, (0, 0), width * 0.03)[..., None]
    out = out * (1 - mask) + hand * mask
    return noisy(out.clip(0, 255).astype(np.uint8), 2, seed)


def with_clock(image: np.ndarray, seconds: int) -> np.ndarray:
    """A burnt-in clock in the top left corner, as cameras and recorders overlay it."""
    out = image.copy()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(1_700_000_000 + seconds))
    scale = image.shape[1] / 900
    cv2.rectangle(out, (0, 0), (int(image.shape[1] * 0.45), int(40 * scale)), (0, 0, 0), -1)
    cv2.putText(out, stamp, (4, int(30 * scale)), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 2)
    return out


def normal_variants(image: np.ndarray, seed: int) -> Iterator[tuple[str, np.ndarray]]:
    yield "slight sensor noise", noisy(image, 2, seed)
    yield "gaussian noise", noisy(image, 6, seed + 1)
    yield "30% more light", lit(image, 1.3)
    yield "30% less light", noisy(lit(image, 0.7), 2, seed + 2)
    yield "JPEG quality 40", jpeg(image, 40)
    yield "JPEG quality 20", jpeg(image, 20)
    yield "passing object", passing_object(image, seed)
    yield "another passing object", noisy(passing_object(image, seed + 3, area=0.1), 2, seed + 4)
    yield "tremor", shifted(image, 0.005, -0.004)
    yield "dusk, noise and JPEG", jpeg(noisy(lit(image, 0.7), 4, seed + 5), 50)
    yield "clock burnt in", with_clock(image, seed)
    yield "white balance shifted", lit(image * np.float32([1.12, 1.0, 0.85]), 1.0)
    yield "haze", noisy(lit(image, 0.75, 50), 2, seed + 6)
    yield "cloud shadow", shadowed(image, 0.55)
    yield "gamma", gamma(image, 0.8)


def faults(image: np.ndarray, other: np.ndarray, seed: int) -> Iterator[tuple[str, str, np.ndarray]]:
    yield "black", "black", noisy(lit(image, 0.02), 1, seed)
    yield "black", "black with its clock", with_clock(lit(image, 0.0), seed)
    yield "dark", "dark", noisy(lit(image, 0.2), 1, seed + 1)
    yield "overexposed", "overexposed", lit(image, 3.0, 60)
    yield "overexposed", "glare", lit(image, 2.0, 140)
    yield "defocused", "defocused", blurred(image, 0.008)
    yield "defocused", "defocused with noise", noisy(blurred(image, 0.01), 2, seed + 2)
    yield "covered", "hand", covered(image, 0.7, (120, 150, 190), seed + 3)
    yield "covered", "dark bag", covered(image, 0.8, (50, 55, 60), seed + 4)
    yield "covered", "lens fully covered", covered(image, 1.0, (140, 140, 140), seed + 5)
    yield "moved", "shifted", shifted(image, 0.08, 0.02)
    yield "moved", "shifted a little", noisy(shifted(image, -0.04, 0.0), 2, seed + 6)
    yield "moved", "turned", rotated(image, 5)
    yield "moved", "turned a little", rotated(image, -3)
    yield "moved", "zoomed in", zoomed(image, 1.2)
    yield "scene_changed", "another scene", other


@dataclass
class Tally:
    faults: int = 0
    detected: int = 0
    normals: int = 0
    false_alarms: int = 0

    def fault(self, case: str, expected: str, found: frozenset[str] | set[str], misses: list[str]) -> None:
        self.faults += 1
        if expected in found:
            self.detected += 1
        else:
            misses.append(f"{case}: expected {expected}, found {sorted(found) or 'nothing'}")

    def normal(self, case: str, found: frozenset[str] | set[str], alarms: list[str]) -> None:
        self.normals += 1
        if found:
            self.false_alarms += 1
            alarms.append(f"{case}: {sorted(found)}")


def frozen_sequences(image: np.ndarray, seed: int) -> Iterator[tuple[bool, str, list[tuple[float, Sample]]]]:
    """(frozen?, case, samples at 0, 15, 30 s) for one base photo."""
    stamps = (0.0, 15.0, 30.0)
    yield True, "frozen under a ticking clock", [(t, sample(with_clock(image, int(t)))) for t in stamps]
    still = jpeg(noisy(image, 2, seed), 70)
    yield True, "frozen, re-encoded alike", [(t, sample(jpeg(still, 70))) for t in stamps]
    yield (
        False,
        "still but live scene, ticking clock",
        [(t, sample(with_clock(noisy(image, 2, seed + i), int(t)))) for i, t in enumerate(stamps)],
    )
    yield (
        False,
        "someone walking through",
        [(t, sample(noisy(passing_object(image, seed + i), 2, seed + i))) for i, t in enumerate(stamps)],
    )
    yield (
        False,
        "someone walking through a noise-free picture",
        [(t, sample(with_clock(passing_object(image, seed + i), int(t)))) for i, t in enumerate(stamps)],
    )


def learned_reference(image: np.ndarray, seed: int) -> Reference:
    """As the monitor learns it: from a first healthy probe, with a few more blended in."""
    reference = Reference.from_sample(sample(jpeg(noisy(image, 2, seed), 75)))
    for k in range(1, 4):
        reference = reference.refreshed(sample(jpeg(noisy(image, 2, seed + k), 75)), weight=0.2)
    return reference


def run_labelled_set() -> tuple[Tally, list[str], list[str]]:
    tally, misses, alarms = Tally(), [], []
    names = list(BASES)
    for index, name in enumerate(names):
        image = base(name)
        other = cv2.resize(base(names[(index + 1) % len(names)]), image.shape[1::-1], interpolation=cv2.INTER_AREA)
        reference = learned_reference(image, seed=index * 100 + 90)
        for case, variant in normal_variants(image, seed=index * 100):
            tally.normal(f"{name}, {case}", judge(sample(variant), reference), alarms)
        for expected, case, broken in faults(image, other, seed=index * 100 + 50):
            tally.fault(f"{name}, {case}", expected, judge(sample(broken), reference), misses)
        for frozen, case, samples in frozen_sequences(image, seed=index * 100 + 80):
            found = {"frozen"} if is_frozen(samples) else set()
            if frozen:
                tally.fault(f"{name}, {case}", "frozen", found, misses)
            else:
                tally.normal(f"{name}, {case}", found, alarms)
    return tally, misses, alarms


def test_it_finds_faults_and_leaves_normal_pictures_alone() -> None:
    tally, misses, alarms = run_labelled_set()
    detection = tally.detected / tally.faults
    false_alarms = tally.false_alarms / tally.normals
    print(
        f"\nhealth detectors on {len(BASES)} photos: detection {detection:.1%} ({tally.detected}/{tally.faults}), "
        f"false alarms {false_alarms:.1%} ({tally.false_alarms}/{tally.normals})"
    )
    for line in misses:
        print("  missed:", line)
    for line in alarms:
        print("  false alarm:", line)
    assert len(BASES) >= 8
    assert detection >= 0.95, misses
    assert false_alarms <= 0.01, alarms


def test_it_judges_only_absolute_conditions_without_a_reference() -> None:
    image = base("astronaut")
    assert judge(sample(image), None) == frozenset()
    assert judge(sample(lit(image, 0.0)), None) == {"black"}
    assert judge(sample(lit(image, 3.0, 60)), None) == {"overexposed"}
    # Faults that need the camera's own look to be seen are not guessed at.
    for relative in (lit(image, 0.15), blurred(image, 0.01), shifted(image, 0.1, 0), base("coffee")):
        assert judge(sample(relative), None) == frozenset()


def test_it_stores_a_reference_compactly_and_restores_it() -> None:
    image = base("coffee")
    reference = Reference.from_sample(sample(image)).refreshed(sample(noisy(image, 3, 1)))
    data = reference.to_bytes()
    assert len(data) < 100_000, len(data)
    restored = Reference.from_bytes(data)
    assert restored.size == reference.size and restored.samples == reference.samples == 2
    for name in ("mean", "chroma"):
        assert getattr(restored, name) == pytest.approx(getattr(reference, name)), name
    for name in ("cell_mean", "cell_std", "cell_sharpness", "points", "descriptors"):
        assert np.array_equal(getattr(restored, name), getattr(reference, name)), name
    assert np.allclose(restored.thumb, reference.thumb, atol=0.15)
    assert judge(sample(blurred(image, 0.01)), restored) == {"defocused"}
    with pytest.raises(ValueError):
        Reference.from_bytes(_other_version(data))


def _other_version(data: bytes) -> bytes:
    """The same reference claiming a newer format."""
    with np.load(io.BytesIO(data)) as stored:
        arrays = {key: stored[key] for key in stored.files}
    arrays["version"] = np.array(99)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def test_it_refreshes_a_reference_slowly_toward_healthy_samples() -> None:
    image = base("chelsea")
    reference = Reference.from_sample(sample(image))
    brighter = sample(lit(image, 1.3))
    once = reference.refreshed(brighter)
    assert reference.mean < once.mean < reference.mean + 0.1 * (brighter.mean - reference.mean)
    assert once.mean == pytest.approx(0.95 * reference.mean + 0.05 * brighter.mean)
    assert np.allclose(once.thumb, 0.95 * reference.thumb + 0.05 * brighter.thumb)
    assert once.samples == 2 and reference.samples == 1, "refreshed() returns a new reference"
    many = reference
    for _ in range(100):
        many = many.refreshed(brighter)
    assert many.mean == pytest.approx(brighter.mean, rel=0.01), "after many healthy samples it has followed"
    assert np.array_equal(many.descriptors, reference.descriptors), "the geometry stays the learned one"
    assert reference.refreshed(sample(cv2.resize(image, (400, 400)))) is reference, "another aspect is ignored"


def night(image: np.ndarray, seed: int) -> np.ndarray:
    """The infrared night look: grey, dim, noisy, with a few bright lamps."""
    grey = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    out = noisy(lit(grey, 0.16), 3, seed)
    height, width = image.shape[:2]
    for x in (0.2, 0.5, 0.8):
        cv2.circle(out, (int(width * x), int(height * 0.3)), max(3, width // 80), (255, 255, 255), -1)
    return out


def test_it_does_not_flag_a_night_reference_own_dark_frames() -> None:
    for name in ("camera", "motorcycle", "coffee"):
        image = base(name)
        first = night(image, 1)
        assert sample(first).mean < 30, "dark enough to be a night picture"
        night_reference = Reference.from_sample(sample(first))
        day_reference = Reference.from_sample(sample(image))
        for seed in range(2, 6):
            frame = sample(jpeg(night(image, seed), 60))
            assert judge(frame, night_reference) == frozenset(), name
        assert judge(sample(night(image, 7)), day_reference) == {"dark"}, "the day look would call it dark"
        assert judge(sample(blurred(night(image, 8), 0.01)), night_reference) == {"defocused"}
        assert judge(sample(lit(image, 0.0)), night_reference) == {"black"}


def test_it_sees_a_freeze_under_a_clock_but_not_in_a_live_still_scene() -> None:
    image = base("rocket")
    frozen = [(t, sample(with_clock(image, int(t)))) for t in (0.0, 15.0, 30.0)]
    assert is_frozen(frozen)
    assert not is_frozen(frozen[:2]), "two samples are not enough"
    assert not is_frozen([(t / 3, s) for t, s in frozen]), "10 s is too short a span"
    live = [(t, sample(with_clock(noisy(image, 1.5, i), int(t)))) for i, t in enumerate((0.0, 15.0, 30.0))]
    assert not is_frozen(live)
    assert change(live[0][1], live[1][1]) > 2 * Thresholds().frozen_mad, "sensor noise alone shows as change"
    recovered = [*frozen, (45.0, sample(noisy(image, 2, 9)))]
    assert not is_frozen(recovered), "only the newest run counts"
    assert is_frozen([(-60.0, live[0][1]), *frozen]), "older history before the freeze does not matter"


def test_it_names_only_known_conditions_and_is_cheap_at_1080p() -> None:
    frame = cv2.resize(noisy(base("astronaut"), 3, 1), (1920, 1080), interpolation=cv2.INTER_CUBIC)
    reference = Reference.from_sample(sample(frame))
    moved = shifted(frame, 0.1, 0)
    sample(moved)  # warm up
    started = time.perf_counter()
    rounds = 10
    for _ in range(rounds):
        found = judge(sample(moved), reference)
    per_frame = (time.perf_counter() - started) / rounds
    print(f"\nsample()+judge() at 1920x1080: {per_frame * 1000:.1f} ms a frame")
    assert found == {"moved"}
    assert set(found) <= set(CONDITIONS)
    assert per_frame < 0.1, "generous: ~10 ms on a developer's machine, CI may be slower"
