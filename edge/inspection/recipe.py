"""Inspection recipes: TOML files with the expected colours, tolerances and thresholds.

`load_recipe(path)` returns a frozen `Recipe`; every mistake raises `RecipeError`
naming the file, the key and what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from smarthall.devices.toml_reader import TomlReader, parse_toml

from .errors import RecipeError

RECIPES_DIR = Path(str(resources.files("smarthall.recipes")))  # package data
DEFAULT_RECIPE = RECIPES_DIR / "default.toml"
COLORS = ("red", "black", "silver")


@dataclass(frozen=True)
class Recipe:
    """What a good part looks like and how hard to look (see recipes/default.toml for each key)."""

    name: str = "disc-40"
    px_per_mm: float = 4.0
    roi: tuple[int, int, int, int] = (120, 120, 520, 360)
    colors: tuple[str, ...] = COLORS
    diameter_mm: float = 40.0
    diameter_tol_mm: float = 2.0
    hole_diameter_mm: float = 8.0
    min_circularity: float = 0.80
    foreground: float = 0.30
    min_hole_fraction: float = 0.4
    chip_depth_mm: float = 2.5
    scratch_contrast: float = 0.15
    scratch_min_length_mm: float = 6.0
    stain_chroma: float = 0.085
    stain_dark: float = 0.6
    stain_min_area_mm2: float = 25.0
    source: str = "<built-in>"

    def with_scale(self, px_per_mm: float) -> Recipe:
        return replace(self, px_per_mm=px_per_mm)


def load_recipe(path: str | Path = DEFAULT_RECIPE) -> Recipe:
    """Read and check a recipe file."""
    path = Path(path)
    return _RecipeReader(str(path)).recipe(parse_toml(path, RecipeError))


class _RecipeReader(TomlReader):
    def __init__(self, source: str) -> None:
        super().__init__(source, RecipeError)

    def recipe(self, data: Mapping) -> Recipe:
        self.known_keys(data, "top level", ("recipe", "camera", "part", "thresholds"))
        head = self.table(self.get(data, "recipe", "top level", Mapping), "[recipe]")
        self.known_keys(head, "[recipe]", ("name", "ko", "en"))
        name = self.get(head, "name", "[recipe]", str)
        camera = self.table(self.get(data, "camera", "top level", Mapping, {}), "[camera]")
        self.known_keys(camera, "[camera]", ("px_per_mm", "roi"))
        part = self.table(self.get(data, "part", "top level", Mapping, {}), "[part]")
        self.known_keys(part, "[part]", ("colors", "diameter_mm", "diameter_tol_mm", "hole_diameter_mm",
                                         "min_circularity"))
        limits = self.table(self.get(data, "thresholds", "top level", Mapping, {}), "[thresholds]")
        self.known_keys(limits, "[thresholds]", ("foreground", "min_hole_fraction", "chip_depth_mm",
                                                 "scratch_contrast", "scratch_min_length_mm", "stain_chroma",
                                                 "stain_dark", "stain_min_area_mm2"))
        d = Recipe()
        colors = tuple(self.get(part, "colors", "[part]", list, list(d.colors)))
        if not colors:
            raise self.fail("[part]", "key 'colors': expected at least one colour")
        for color in colors:
            if color not in COLORS:
                raise self.fail("[part]", f"key 'colors': expected only {', '.join(COLORS)}, got {color!r}")
        diameter = self.number(part, "diameter_mm", "[part]", 1, 1000, d.diameter_mm)
        hole = self.number(part, "hole_diameter_mm", "[part]", 0.5, 1000, d.hole_diameter_mm)
        if hole >= diameter:
            raise self.fail("[part]", f"key 'hole_diameter_mm': expected less than diameter_mm {diameter:g}, "
                                      f"got {hole:g}")
        return Recipe(
            name=name,
            px_per_mm=self.number(camera, "px_per_mm", "[camera]", 0.1, 100, d.px_per_mm),
            roi=self.roi(camera, d.roi),
            colors=colors,
            diameter_mm=diameter,
            diameter_tol_mm=self.number(part, "diameter_tol_mm", "[part]", 0, 1000, d.diameter_tol_mm),
            hole_diameter_mm=hole,
            min_circularity=self.number(part, "min_circularity", "[part]", 0, 1, d.min_circularity),
            foreground=self.number(limits, "foreground", "[thresholds]", 0.01, 5, d.foreground),
            min_hole_fraction=self.number(limits, "min_hole_fraction", "[thresholds]", 0, 1, d.min_hole_fraction),
            chip_depth_mm=self.number(limits, "chip_depth_mm", "[thresholds]", 0.1, 1000, d.chip_depth_mm),
            scratch_contrast=self.number(limits, "scratch_contrast", "[thresholds]", 0.01, 5, d.scratch_contrast),
            scratch_min_length_mm=self.number(limits, "scratch_min_length_mm", "[thresholds]", 0.1, 1000,
                                              d.scratch_min_length_mm),
            stain_chroma=self.number(limits, "stain_chroma", "[thresholds]", 0.001, 1, d.stain_chroma),
            stain_dark=self.number(limits, "stain_dark", "[thresholds]", 0, 1, d.stain_dark),
            stain_min_area_mm2=self.number(limits, "stain_min_area_mm2", "[thresholds]", 0.1, 10000,
                                           d.stain_min_area_mm2),
            source=self.source,
        )

    def roi(self, camera: Mapping, default: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        value = self.get(camera, "roi", "[camera]", list, list(default))
        if len(value) != 4 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
            raise self.fail("[camera]", f"key 'roi': expected [x0, y0, x1, y1] whole pixels >= 0, got {value!r}")
        x0, y0, x1, y1 = value
        if x1 - x0 < 16 or y1 - y0 < 16:
            raise self.fail("[camera]", f"key 'roi': expected x1 > x0 and y1 > y0 (16 px at least), got {value!r}")
        return (x0, y0, x1, y1)
