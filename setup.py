"""The wheel owns one import name: the repository's top-level folders install under ``smarthall``.

``devices/`` becomes ``smarthall.devices``, ``edge/`` ``smarthall.edge``, and so on, ``brokers/``, ``lines/`` and
``recipes/`` (data only) ``smarthall.brokers``, ``smarthall.lines`` and ``smarthall.recipes`` (the repository
keeps the four folders at its top level; setuptools maps each to its name). Everything else is in
pyproject.toml; this file only lists the packages, which pyproject.toml cannot map by pattern.
"""

from setuptools import find_packages, setup

FOLDERS = ("devices", "edge", "lessons", "panel", "simulators")
DATA = ("brokers", "lines", "recipes")  # package data only: the shipped broker config, line files, recipes

setup(
    package_dir={"smarthall": "smarthall", **{f"smarthall.{folder}": folder for folder in FOLDERS + DATA}},
    packages=[
        *find_packages(include=["smarthall", "smarthall.*"]),
        *(f"smarthall.{folder}" for folder in DATA),
        *(f"smarthall.{package}" for package in find_packages(include=[f"{folder}*" for folder in FOLDERS])),
    ],
)
