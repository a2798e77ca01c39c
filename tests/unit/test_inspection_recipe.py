"""Recipe files: the default loads; every mistake names the file, the key and the expectation."""

from __future__ import annotations

import pytest

from smarthall.edge.inspection import DEFAULT_RECIPE, Recipe, RecipeError, load_recipe


def test_default_recipe_matches_built_in_defaults():
    recipe = load_recipe(DEFAULT_RECIPE)
    assert recipe.name == "disc-40"
    assert recipe.colors == ("red", "black", "silver")
    assert recipe.px_per_mm == 4.0
    assert {k: v for k, v in vars(recipe).items() if k != "source"} == {
        k: v for k, v in vars(Recipe()).items() if k != "source"}


def write(tmp_path, body: str):
    path = tmp_path / "r.toml"
    path.write_text('[recipe]\nname = "t"\n' + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(("body", "message"), [
    ("[part]\ncolors = ['green']\n", r"\[part\]: key 'colors': expected only red, black, silver, got 'green'"),
    ("[part]\ncolors = []\n", r"\[part\]: key 'colors': expected at least one colour"),
    ("[part]\ndiameter_mm = 'big'\n", r"\[part\]: key 'diameter_mm': expected int or float, got 'big'"),
    ("[part]\nhole_diameter_mm = 50\n", r"key 'hole_diameter_mm': expected less than diameter_mm 40"),
    ("[thresholds]\nforeground = 9\n", r"\[thresholds\]: key 'foreground': expected 0.01..5, got 9"),
    ("[thresholds]\nfoo = 1\n", r"\[thresholds\]: unknown key 'foo'"),
    ("[camera]\nroi = [1, 2, 3]\n", r"\[camera\]: key 'roi': expected \[x0, y0, x1, y1\]"),
    ("[camera]\nroi = [100, 100, 50, 300]\n", r"key 'roi': expected x1 > x0"),
    ("[camera]\npx_per_mm = 0\n", r"\[camera\]: key 'px_per_mm': expected 0.1..100, got 0"),
    ("[extra]\n", r"top level: unknown key 'extra'"),
])
def test_mistakes_name_file_and_key(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(RecipeError, match=message) as info:
        load_recipe(path)
    assert str(path) in str(info.value)


def test_missing_recipe_table_and_file(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text("[part]\n", encoding="utf-8")
    with pytest.raises(RecipeError, match=r"top level: missing key 'recipe'"):
        load_recipe(path)
    with pytest.raises(RecipeError, match="no such file"):
        load_recipe(tmp_path / "nope.toml")
    path.write_text("[recipe\n", encoding="utf-8")
    with pytest.raises(RecipeError, match="not valid TOML"):
        load_recipe(path)


def test_a_trainee_can_narrow_the_colours(tmp_path):
    recipe = load_recipe(write(tmp_path, "[part]\ncolors = ['red']\ndiameter_tol_mm = 0.5\n"))
    assert recipe.colors == ("red",)
    assert recipe.diameter_tol_mm == 0.5
    assert recipe.source == str(tmp_path / "r.toml")
