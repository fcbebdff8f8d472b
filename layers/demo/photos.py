"""Synthetic before/after photos for the demo's recurring blackspots, so before/after views and the report
have pictures to show (real ones come from field workers' phones).

Each recurring case gets a "before" photo when it was reported and, once fixed, an "after" photo at the
fix: a street corner drawn with Pillow (a facade, the pavement, the road) with the problem of its category
(bags of garbage, goods piled outside a shop, a blocked drain) or without it, and a camera-app time stamp.
The drawings depend only on the seed; they go through the same pipeline as uploads
(:func:`layers.uploads.photos.process_photo`) and are attached back-dated.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from layers.demo.cases import Case
from layers.demo.frame import iso_cst
from layers.store import Store
from layers.uploads.photos import process_photo

WIDTH, HEIGHT = 640, 480  # the drawing's coordinates
PHOTO_SIZE = (480, 360)
_HORIZON = 190
_FACADES = ((214, 196, 170), (226, 206, 196), (200, 204, 196), (232, 220, 190))


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)  # Pillow's bundled scalable font (FreeType)
    except (ImportError, OSError, TypeError):  # Pillow built without FreeType: its bitmap font
        return ImageFont.load_default()


def _street(draw: ImageDraw.ImageDraw, rng: np.random.Generator) -> None:
    """Sky, a facade with windows, the pavement and the road, in a simple one-point perspective."""
    for y in range(_HORIZON):
        shade = int(205 + 30 * y / _HORIZON)
        draw.line([(0, y), (WIDTH, y)], fill=(shade - 20, shade - 8, shade))
    facade = _FACADES[int(rng.integers(len(_FACADES)))]
    draw.polygon([(0, 20), (420, 90), (420, 300), (0, 330)], fill=facade)
    for col in range(4):
        for row in range(2):
            x0 = 30 + col * 95
            top = 70 + col * 16 + row * 90
            draw.rectangle([x0, top, x0 + 50, top + 55], fill=(96, 112, 128), outline=(70, 70, 70), width=2)
    draw.polygon([(420, 90), (WIDTH, 120), (WIDTH, 335), (420, 300)], fill=tuple(int(c * 0.8) for c in facade))
    draw.polygon([(0, 330), (420, 300), (WIDTH, 330), (WIDTH, HEIGHT), (0, HEIGHT)], fill=(176, 172, 164))
    for k in range(8):  # paving joints
        draw.line([(0, 345 + k * 18), (WIDTH, 335 + k * 19)], fill=(160, 156, 150), width=1)
    draw.polygon([(470, 330), (WIDTH, 300), (WIDTH, HEIGHT), (560, HEIGHT)], fill=(88, 88, 92))
    draw.line([(470, 330), (560, HEIGHT)], fill=(230, 230, 230), width=5)  # kerb
    draw.rectangle([445, 150, 452, 330], fill=(70, 74, 80))  # a lamp post
    draw.ellipse([436, 140, 462, 156], fill=(70, 74, 80))


def _garbage(draw: ImageDraw.ImageDraw, rng: np.random.Generator) -> None:
    """A heap of bin bags against the wall, a burst one, and litter blown about."""
    colours = ((30, 30, 34), (40, 80, 50), (50, 60, 120), (200, 200, 205), (60, 60, 64))
    cx = int(rng.integers(170, 300))
    bags = sorted((int(cx + rng.normal(0, 60)), int(rng.normal(385, 22))) for _ in range(int(rng.integers(9, 14))))
    for x, y in sorted(bags, key=lambda b: b[1]):  # far bags first, near ones over them
        w, h = int(rng.integers(60, 100)), int(rng.integers(50, 80))
        colour = colours[int(rng.integers(len(colours)))]
        draw.ellipse([x - w // 2, y - h // 2, x + w // 2, y + h // 2], fill=colour, outline=(15, 15, 15), width=2)
        draw.polygon([(x - 6, y - h // 2 + 2), (x + 6, y - h // 2 + 2), (x, y - h // 2 - 12)], fill=colour)
    draw.rectangle([cx + 70, 395, cx + 130, 440], fill=(180, 140, 90), outline=(110, 80, 40), width=2)  # a box
    for _ in range(40):
        x, y = int(rng.integers(40, 470)), int(rng.integers(345, 472))
        colour = tuple(int(c) for c in rng.integers(120, 255, 3))
        draw.rectangle([x, y, x + int(rng.integers(6, 16)), y + 5], fill=colour)


def _goods(draw: ImageDraw.ImageDraw, rng: np.random.Generator) -> None:
    draw.rectangle([150, 180, 330, 315], fill=(45, 40, 38))  # the open shop front
    draw.rectangle([140, 160, 340, 182], fill=(190, 40, 40))  # its sign board
    for k in range(int(rng.integers(5, 8))):
        x, y = 70 + k * 55 + int(rng.integers(-8, 8)), 350 + int(rng.integers(0, 50))
        draw.rectangle([x, y, x + 50, y + 38], fill=(170, 120, 70), outline=(90, 60, 30), width=2)
        fruit = ((230, 150, 30), (200, 40, 40), (120, 170, 50))[k % 3]
        for j in range(4):
            draw.ellipse([x + 4 + j * 11, y - 8, x + 14 + j * 11, y + 2], fill=fruit)
    draw.rectangle([360, 380, 440, 392], fill=(120, 90, 60))  # a folding table on the pavement


def _drain(draw: ImageDraw.ImageDraw, rng: np.random.Generator, blocked: bool) -> None:
    if blocked:
        draw.ellipse([140, 360, 470, 460], fill=(74, 66, 52))  # dark water standing over the grate
        for _ in range(12):
            x, y = int(rng.integers(170, 430)), int(rng.integers(375, 445))
            draw.rectangle([x, y, x + 12, y + 5], fill=(225, 225, 215))
    draw.rectangle([270, 395, 350, 425], fill=(40, 40, 40) if not blocked else (60, 55, 45), outline=(20, 20, 20))
    for k in range(7):
        draw.line([(280 + k * 10, 397), (280 + k * 10, 423)], fill=(110, 110, 110), width=3)


def _clean(draw: ImageDraw.ImageDraw, category: str) -> None:
    if category == "0504":
        draw.rectangle([150, 180, 330, 315], fill=(45, 40, 38))
        draw.rectangle([140, 160, 340, 182], fill=(190, 40, 40))
        draw.line([(150, 318), (330, 318)], fill=(240, 200, 40), width=4)  # the 门前三包 line, kept clear
    elif category == "0404":
        _drain(draw, np.random.default_rng(0), blocked=False)
    else:
        draw.rectangle([380, 330, 416, 392], fill=(30, 120, 70), outline=(20, 70, 40), width=2)  # a litter bin
        draw.rectangle([376, 322, 420, 332], fill=(20, 90, 55))


def scene(category: str, fixed: bool, place: np.random.Generator, rng: np.random.Generator, stamp: str) -> bytes:
    """A JPEG of a street corner (drawn from ``place``) with (``fixed`` False) or without the problem of
    ``category`` (drawn from ``rng``)."""
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    _street(draw, place)
    if fixed:
        _clean(draw, category)
    elif category == "0504":
        _goods(draw, rng)
    elif category == "0404":
        _drain(draw, rng, blocked=True)
    else:
        _garbage(draw, rng)
    font = _font(18)
    draw.rectangle([10, HEIGHT - 38, 220, HEIGHT - 10], fill=(0, 0, 0))
    draw.text((18, HEIGHT - 34), stamp, fill=(255, 214, 64), font=font)
    buffer = io.BytesIO()  # stored at 480 × 360: plenty for a phone and the report, and quick to seed
    image.resize(PHOTO_SIZE, Image.Resampling.BILINEAR).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _moments(case: Case) -> list[tuple[str, int, str]]:
    """(kind, instant, who) of the photos a case gets: before at the report, after at the fix."""
    out = [("before", case.reported_us + 60_000_000, case.reporter or "")]
    fixed = next(((t, who) for t, status, who in case.steps if status == "fixed"), None)
    if fixed is not None:
        out.append(("after", fixed[0] - 60_000_000, fixed[1]))
    return out


class DemoPhotos:
    """The photos of every recurring case, drawn in the background (Pillow drops the GIL while it draws and
    encodes) while the seed writes the history, then stored once the cases have their ids."""

    def __init__(self, cases: list[Case], seed: int) -> None:
        self.jobs = []
        for n, case in enumerate(cases):
            tag = next((t for t in sorted(case.tags) if t.startswith("recurring:")), None)
            if tag is not None:
                self.jobs += [(n, int(tag.split(":")[1]), case, moment) for moment in _moments(case)]
        self.seed = seed
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="demo-photos")
        self._drawn = [self._pool.submit(self._draw, job) for job in self.jobs]

    def _draw(self, job):
        n, place, case, (kind, at, _) = job
        street = np.random.default_rng([self.seed, 7, place])  # the same corner in every photo of a place
        rng = np.random.default_rng([self.seed, 7, n, kind == "after"])
        return process_photo(scene(case.category, kind == "after", street, rng, iso_cst(at)[:16].replace("T", " ")))

    def attach(self, store: Store, fids: dict[int, list[int]]) -> int:
        """Store the photos and attach them, back-dated (``fids``: id(case) → [feature id]); how many."""
        try:
            photos = [future.result() for future in self._drawn]
        finally:
            self._pool.shutdown(cancel_futures=True)
        with store.atomic():
            for (_, _, case, (kind, at, who)), photo in zip(self.jobs, photos):
                record = {"sha256": photo.sha256, "phash": photo.phash, "width": photo.width,
                          "height": photo.height, "source_type": photo.source_type, "lon": None, "lat": None,
                          "taken_at": iso_cst(at), "uploaded_by": who, "uploaded_at": at, "warnings": []}  # fmt: skip
                stored = store.add_photo(record, photo.image, photo.thumb)
                store.attach_photo(stored["id"], fids[id(case)][0], kind, at=at)
        return len(photos)
