"""OpenCV, imported quietly: every module of the package that uses cv2 imports it from here.

OpenCV and FFmpeg write their own messages to stderr from C, past Python's logging, and would
draw over the lab console; a camera problem shows in the vision tags' quality instead.
OPENCV_LOG_LEVEL and OPENCV_FFMPEG_LOGLEVEL are set (unless already set) just before cv2 is
first imported, so only a process that uses OpenCV gets them (not every run that imports
`smarthall`, such as any pytest run where the plugin is installed).
"""

import os

os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET

import cv2  # after the environment above

__all__ = ["cv2"]
