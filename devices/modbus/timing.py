"""RS-485 timing from the baud rate, sans-IO: character time and the 3.5-character silence between frames.

Modbus over serial line (V1.02, 2.5.1.1): a frame ends after a silence of 3.5 characters; above 19200
baud the spec fixes it at 1.75 ms. A character is 11 bits (start, 8 data, parity or a second stop, stop).
"""

from __future__ import annotations

BITS_PER_CHAR = 11
FAST_LINE_BAUD = 19200
FAST_LINE_SILENCE_S = 0.00175  # the spec's fixed t3.5 above 19200 baud


def char_time(baudrate: int) -> float:
    """Seconds one 11-bit character takes on the wire."""
    return BITS_PER_CHAR / baudrate


def silence_time(baudrate: int) -> float:
    """The 3.5-character inter-frame silence (fixed 1.75 ms above 19200 baud)."""
    return FAST_LINE_SILENCE_S if baudrate > FAST_LINE_BAUD else 3.5 * char_time(baudrate)
