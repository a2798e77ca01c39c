"""The instructor console (Textual): lesson list, step view, line overview, fault panel.

`LabApp` (app.py) gets its line from the caller: a `LiveLine` (live.py: the
running agent through the edge's client API, never the agent itself), a `SimControl`
(None on a real line: no fault panel), a lesson catalogue with its broken
lessons (shelf.py) and a progress store. One screen or widget per module,
each with its own CSS; screens read the line's latest values at most 10 times
a second (tag_table.TagTable), the connections' health (health_table.HealthTable)
and the active faults (active_faults.ActiveFaults) once a second.
"""
