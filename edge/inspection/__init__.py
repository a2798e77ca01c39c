"""The camera inspection station: a sans-IO pipeline, recipes, and the reject loop.

Modules: `pipeline` (inspect a frame: `inspect`, `Result`), with its steps in
`segment` (belt level, the part's box and mask) and `surface` (colour, scratches,
stains); `grading` (results against known ground truth), `recipe` (TOML
recipes: `load_recipe`, `Recipe`), `calibrate` (pixels per mm from a good part),
`loop` (the reject loop: part_at_camera -> frame -> verdict in one FC16 write),
`archive` (images of rejected parts, with a size cap), `tags` (the ``vision.*``
tags the loop publishes), `station` (the loop with its own drivers, as the edge
agent runs it from a line's ``[vision]`` table).

Exceptions:
    InspectionError       base
     ├── RecipeError      a recipe file that cannot be used (names file, key, expectation)
     └── CalibrationError no round part to calibrate on
"""

from .errors import CalibrationError, InspectionError, RecipeError
from .recipe import DEFAULT_RECIPE, Recipe, load_recipe

_PIPELINE = ("DEFECTS", "Measurements", "Result", "inspect")  # OpenCV and numpy: imported on first use


def __getattr__(name: str):
    if name in _PIPELINE:
        from . import pipeline
        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DEFAULT_RECIPE", "DEFECTS", "CalibrationError", "InspectionError", "Measurements", "Recipe",
           "RecipeError", "Result", "inspect", "load_recipe"]
