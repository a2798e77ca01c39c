"""`smarthall inspect`: run on a video file, calibrate on it, evaluate against the simulator's truth, clear errors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from smarthall import inspect_commands
from smarthall.cli import main
from smarthall.edge.config import DEFAULT_LINE, load_line
from smarthall.simulators.camera import Optics, render
from smarthall.simulators.plant import CameraView, Part


@pytest.fixture
def video(tmp_path):
    path = tmp_path / "parts.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for i in range(4):  # a file is read as fast as it decodes: the driver keeps the newest frame, so all alike
        writer.write(render(CameraView(Part(1, "black", "stain", 11), 2.0), Optics(), rng=np.random.default_rng(i)))
    writer.release()
    return path


def test_inspect_prints_a_result_per_frame_of_a_video_file(video, capsys):
    assert main(["inspect", "--source", str(video), "--count", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert all("fail color=black  defects=stain" in line for line in lines)


def test_without_a_source_the_camera_of_the_lines_vision_table_is_inspected(video, tmp_path, capsys):
    line = tmp_path / "line.toml"
    line.write_text(f"""[line]\nname = "cam"\nko = "카메라"\nen = "camera"\n
[[connections]]\nname = "conveyor"\nprofile = "conveyor"\nhost = "127.0.0.1"\nport = 1502\n
[[scan_groups]]\nname = "fast"\nrate_ms = 100\ntags = ["conveyor.*"]\n
[vision]\nconveyor = "conveyor"\n[vision.camera]\nsource = "{video}"\n""", encoding="utf-8")
    assert main(["inspect", "--line", str(line), "--count", "2"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_the_simulated_lines_camera_is_the_default_source():
    assert inspect_commands.line_camera(None) == str(load_line(DEFAULT_LINE).vision.camera.source)


def test_calibrate_measures_pixels_per_mm(video, capsys):
    assert main(["inspect", "calibrate", "--source", str(video), "--count", "2"]) == 0
    out = capsys.readouterr().out
    scale = float(out.split("px_per_mm = ")[1].split()[0])
    assert scale == pytest.approx(4.0, abs=0.1)


def test_evaluate_prints_a_confusion_matrix_per_defect_class(capsys):
    assert main(["inspect", "evaluate", "--parts", "40", "--defect-rate", "0.5", "--condition", "dim_light"]) == 0
    out = capsys.readouterr().out
    assert "condition dim_light: 40 parts" in out
    for cls in ("missing_hole", "scratch", "chipped_edge", "wrong_diameter", "stain"):
        assert cls in out


def test_bad_recipe_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[recipe]\nname = "x"\n[part]\ncolors = ["green"]\n', encoding="utf-8")
    assert main(["inspect", "evaluate", "--recipe", str(bad), "--parts", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "colors" in err and str(bad) in err


def test_missing_source_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["inspect", "--source", str(tmp_path / "none.avi"), "--count", "1"]) == 2
    assert "no such file" in capsys.readouterr().err
