"""Profiles found where users keep them: beside the line file, then the user's folder, then the shipped ones."""

from __future__ import annotations

import re

import pytest

from smarthall.cli import main
from smarthall.devices.profiles import PROFILE_DIR, ProfileError, find_profile, load_profile
from smarthall.devices.profiles.search import PROFILES_ENV, available, user_profiles_folder
from smarthall.edge.config import DEFAULT_LINE, load_line

FEEDER = (PROFILE_DIR / "feeder.toml").read_text(encoding="utf-8")


def _feeder_copy(folder, title: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feeder.toml").write_text(FEEDER.replace('en = "Feeder station"', f'en = "{title}"', 1)
                                        .replace("title = { ko", f'# {title}\ntitle = {{ ko', 1), encoding="utf-8")


@pytest.fixture
def user_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(PROFILES_ENV, str(tmp_path / "mine"))
    return tmp_path / "mine"


def test_the_user_folder_defaults_to_profiles_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(PROFILES_ENV, raising=False)
    assert user_profiles_folder() == tmp_path / "smarthall-data" / "profiles"  # the conftest's SMARTHALL_DATA


def test_beside_the_line_file_comes_before_the_user_folder_before_the_shipped_profile(tmp_path, user_folder):
    _feeder_copy(user_folder, "user feeder")
    _feeder_copy(tmp_path / "hall", "hall feeder")
    assert find_profile("feeder").source == str(user_folder / "feeder.toml")
    assert find_profile("feeder", beside=tmp_path / "hall").source == str(tmp_path / "hall" / "feeder.toml")
    assert load_profile("feeder").source == str(PROFILE_DIR / "feeder.toml"), "the simulated line keeps its own"
    (entry,) = [f for f in available(tmp_path / "hall") if f.name == "feeder"]
    assert entry.place.what == "line"
    assert entry.hidden == (user_folder / "feeder.toml", PROFILE_DIR / "feeder.toml")


def test_a_line_file_names_a_profile_kept_beside_it(tmp_path, user_folder):
    _feeder_copy(tmp_path, "hall feeder")
    line = tmp_path / "hall.toml"
    line.write_text(DEFAULT_LINE.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_line(line).connection("feeder").profile.source == str(tmp_path / "feeder.toml")


def test_an_unknown_name_lists_the_search_path_and_close_names(tmp_path, user_folder):
    with pytest.raises(ProfileError) as caught:
        find_profile("feedr", beside=tmp_path)
    message = str(caught.value)
    assert message.startswith("unknown profile 'feedr' (did you mean feeder?): no feedr.toml in")
    for folder in (tmp_path, user_folder, PROFILE_DIR, PROFILE_DIR / "library"):
        assert str(folder) in message
    assert "\n" not in message


def test_profile_list_shows_the_file_used_and_what_it_hides(tmp_path, user_folder, capsys):
    _feeder_copy(user_folder, "user feeder")
    assert main(["profile", "list", "--line", str(tmp_path / "hall.toml")]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"beside the line file +{tmp_path}\n +user folder +{user_folder}\n", out)
    assert re.search(rf"\nfeeder +user folder +{user_folder / 'feeder.toml'}\n +hides +{PROFILE_DIR / 'feeder.toml'}\n",
                     out)
    assert main(["--lang", "ko", "profile", "list"]) == 0
    assert "프로필을 찾는 순서" in capsys.readouterr().out
