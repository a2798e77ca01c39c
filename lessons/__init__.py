"""Lab lessons as data, a sans-IO check engine and a runner over the edge agent's API.

- `lessons.model`: frozen lessons, steps, checks and actions.
- `lessons.loader`: reads ``catalogue/info.toml`` and each ``lesson.toml``; every problem has file, line, key.
- `lessons.checks`: evaluates a check against fed values, alarm states, answers, configurations (no I/O).
- `lessons.runner`: `StepRun` starts a step, follows its check live (an async iterator of status changes).
- `lessons.check_all`: proves each check fails before its step is done and passes after its solution.
- `lessons.sim_control`: the simulators' sim control over OPC UA, for fault drills.

Exceptions (`lessons.errors`): LessonError > LessonFormatError (with `.problems`), LessonRunError.
"""
