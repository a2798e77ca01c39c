"""docs/pytest-plugin.md shows tests that run: each Python example is in examples/ci, which the suite runs
(tests/integration/test_pytest_plugin.py)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_python_example_of_the_plugin_docs_is_a_test_of_the_example_project():
    docs = (ROOT / "docs" / "pytest-plugin.md").read_text(encoding="utf-8")
    examples = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "examples" / "ci" / "tests").glob("*.py"))
    blocks = re.findall(r"```python\n(.*?)```", docs, re.DOTALL)
    assert len(blocks) >= 3
    for block in blocks:
        assert block in examples, block
