"""Smart Hall: edge software for smart-factory teaching lines, and a simulator of the line.

Importing the package keeps OpenCV's and FFmpeg's own messages off the
console: they write to stderr from C, past Python's logging, and would draw
over the lab console. OPENCV_LOG_LEVEL and OPENCV_FFMPEG_LOGLEVEL are set
(unless already set) before anything below imports cv2; a camera problem
shows in the vision tags' quality instead.
"""

import os

os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
