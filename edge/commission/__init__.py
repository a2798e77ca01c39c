"""`smarthall commission`: probe every device of a line before running it, and say what is wrong.

    results = await commission(line_config)        # one ConnectionResult per connection
    text = render(line_config.name, results, "ko", markdown=True)

`probe` reaches each device and reads each point (quality, round-trip time); `analysis` judges the
values (range, word order, missing OPC UA nodes' similar names); `report` writes it in Korean or English.
"""

from .probe import ConnectionResult, Finding, PointResult, commission
from .report import render

__all__ = ["ConnectionResult", "Finding", "PointResult", "commission", "render"]
