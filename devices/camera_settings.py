"""What a camera is asked for: where it is, the picture (size, rate, pixel format), its UVC controls, and timeouts.

One table of keys (`KEYS`: type, range, unit, meaning) serves the checks here, a camera profile's ``[camera]``
(`devices.profiles`), a line file's ``[vision.camera]`` (`edge.config`) and both format references.

The controls go to the camera through OpenCV (its V4L2 backend on Linux), in the camera's own units:
``v4l2-ctl -d /dev/video0 --list-ctrls`` lists each control's range, ``--list-formats-ext`` the sizes and
rates each pixel format offers. ``auto_exposure = true`` is V4L2's aperture-priority mode (3), false manual
(1); a manual ``exposure``, ``white_balance`` or ``focus`` turns its automatic mode off unless the settings
say otherwise, and contradicting it is an error. A camera ignores a control it lacks: `smarthall commission`
reports the size, rate and format it really got. Errors: `SettingsError` naming the key and what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from .errors import SettingsError


@dataclass(frozen=True)
class Spec:
    """One key: its value type (``int``, ``number``, ``bool``, ``fourcc``, ``source``), range, unit and meaning."""

    type: str
    doc: str
    low: float | None = None
    high: float | None = None
    unit: str = ""

    @property
    def said(self) -> str:
        """The type as the references write it."""
        return self.expected.removeprefix("a ")

    @property
    def expected(self) -> str:
        """The type as an error message says what was expected."""
        if self.type == "bool":
            return "true or false"
        if self.type == "fourcc":
            return "4 characters (MJPG, YUYV)"
        if self.type == "source":
            return "a USB index, a /dev path, a file or a URL"
        word = "a whole number" if self.type == "int" else "a number"
        return f"{word} {self.low:g}..{self.high:g}" if self.high is not None else f"{word} > {self.low:g}"


KEYS: dict[str, Spec] = {
    "source": Spec("source", "the camera: a USB index (0 is /dev/video0), a V4L2 device path (a stable one:"
                   " /dev/v4l/by-id/...), a video file, or an rtsp:// or http:// (MJPEG) URL"),
    "width": Spec("int", "frame width asked of the camera", 1, 16384, "px"),
    "height": Spec("int", "frame height asked of the camera", 1, 16384, "px"),
    "fps": Spec("number", "frames per second asked of the camera", 0.1, 1000, "fps"),
    "fourcc": Spec("fourcc", "pixel format asked: `MJPG` (compressed: what USB 2.0 needs for 1280x720 at 30 fps)"
                   " or `YUYV` (raw)"),
    "auto_exposure": Spec("bool", "automatic exposure (V4L2 aperture priority); false: the `exposure` below"),
    "exposure": Spec("number", "exposure time (UVC: 100 µs units, 156 is 15.6 ms); shorter than 1/fps keeps the"
                     " rate", 1, 100000, "100 µs"),
    "gain": Spec("int", "sensor gain", 0, 65535),
    "brightness": Spec("int", "brightness (the camera's range, often -64..64 or 0..255)", -65535, 65535),
    "contrast": Spec("int", "contrast", 0, 65535),
    "saturation": Spec("int", "colour saturation", 0, 65535),
    "sharpness": Spec("int", "sharpness", 0, 65535),
    "auto_white_balance": Spec("bool", "automatic white balance; false: the `white_balance` below"),
    "white_balance": Spec("int", "white balance temperature", 1000, 15000, "K"),
    "autofocus": Spec("bool", "continuous autofocus; false: the `focus` below"),
    "focus": Spec("int", "manual focus position (the camera's range, often 0..255 or 0..1023)", 0, 65535),
    "open_timeout": Spec("number", "opening the camera", 0, None, "s"),
    "read_timeout": Spec("number", "one frame", 0, None, "s"),
    "stall_s": Spec("number", "no new frame for this long: the camera is lost (`vision.camera_ok` false)", 0, None,
                    "s"),
    "backoff_min": Spec("number", "first wait before opening it again", 0, None, "s"),
    "backoff_max": Spec("number", "longest wait between attempts", 0, None, "s"),
}
MANUAL = {"exposure": "auto_exposure", "white_balance": "auto_white_balance", "focus": "autofocus"}


@dataclass(frozen=True)
class CameraSettings:
    """Where the camera is and what it is asked for; None: what the camera does by itself."""

    source: str | int
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    fourcc: str | None = None
    auto_exposure: bool | None = None
    exposure: float | None = None
    gain: int | None = None
    brightness: int | None = None
    contrast: int | None = None
    saturation: int | None = None
    sharpness: int | None = None
    auto_white_balance: bool | None = None
    white_balance: int | None = None
    autofocus: bool | None = None
    focus: int | None = None
    open_timeout: float = 2.0
    read_timeout: float = 1.0
    stall_s: float = 1.0
    backoff_min: float = 0.2
    backoff_max: float = 5.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> CameraSettings:
        """From a TOML table (a profile's [camera] merged under a line's [vision.camera]); `source` required."""
        values = checked(settings)
        if "source" not in values:
            raise SettingsError("camera settings: missing key 'source' (a USB index, a /dev/video path, a file or"
                                " a URL)")
        for manual, auto in MANUAL.items():
            if manual in values and auto not in values:
                values[auto] = False
        return cls(**values)  # type: ignore[arg-type]  # each value checked against its key's type above

    @property
    def asked(self) -> dict[str, object]:
        """The picture and controls asked of the camera (the keys set, in the order they are applied)."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name in APPLIED and getattr(self, f.name) is not None}


APPLIED = ("fourcc", "width", "height", "fps", "auto_exposure", "exposure", "gain", "brightness", "contrast",
           "saturation", "sharpness", "auto_white_balance", "white_balance", "autofocus", "focus")


def checked(settings: Mapping[str, object]) -> dict[str, object]:
    """Each key known and its value of its type and range; a manual control not contradicting its automatic mode."""
    if unknown := sorted(set(settings) - set(KEYS)):
        raise SettingsError(f"camera settings: unknown key {unknown[0]!r}: expected one of {', '.join(KEYS)}")
    values = {key: _value(key, KEYS[key], value) for key, value in settings.items()}
    for manual, auto in MANUAL.items():
        if manual in values and values.get(auto) is True:
            raise SettingsError(f"camera settings: key {manual!r}: a manual {manual} needs {auto} = false, got"
                                f" {auto} = true")
    return values


def _value(key: str, spec: Spec, value: object) -> object:
    expected = f"camera settings: key {key!r}: expected {spec.expected}"
    if spec.type == "bool":
        if not isinstance(value, bool):
            raise SettingsError(f"{expected}, got {value!r}")
        return value
    if spec.type == "source":
        if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "" or (isinstance(value, int)
                                                                                          and value < 0):
            raise SettingsError(f"{expected}, got {value!r}")
        return value
    if spec.type == "fourcc":
        if not isinstance(value, str) or len(value) != 4 or not value.isascii() or not value.isprintable():
            raise SettingsError(f"{expected}, got {value!r}")
        return value
    whole = spec.type == "int"
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        raise SettingsError(f"{expected}, got {value!r}")
    low, high = spec.low or 0, spec.high
    if not (value > low if high is None else low <= value <= high):
        raise SettingsError(f"{expected}, got {value!r}")
    return value
