"""One word per idea on every Korean screen: lessons/glossary.toml (package data, as the wheel ships it) names the
term and the synonyms to avoid."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = tomllib.loads((resources.files("smarthall.lessons") / "glossary.toml").read_text(encoding="utf-8"))["terms"]
SOURCES = [*ROOT.glob("lessons/**/*.py"), *ROOT.glob("lessons/catalogue/**/*.toml"), *ROOT.glob("smarthall/*.py"),
           *ROOT.glob("devices/profiles/*.toml"), *ROOT.glob("docs/*.md"), ROOT / "README.md"]


def test_the_glossary_is_consistent():
    for term in GLOSSARY:
        assert term["ko"] and term["en"] and term["ko"] not in term["avoid"], term


def test_no_korean_text_uses_a_word_the_glossary_avoids():
    found = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for term in GLOSSARY:
            found += [f"{path.relative_to(ROOT)}: {word!r} (say {term['ko']!r})" for word in term["avoid"] if word in text]
    assert found == []
