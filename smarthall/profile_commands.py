"""`smarthall profile list|show`: the profiles a line can name, where each is found, and their maps.

Both take ``--line FILE``: the folder of that line file is searched first, as when the line loads.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from smarthall.devices.profiles import find_profile, profile_names
from smarthall.devices.profiles.search import available, search_path
from smarthall.devices.profiles.table import aligned_rows, render

from .texts import say

_PLACE = {"line": ("라인 파일 옆", "beside the line file"), "user": ("사용자 폴더", "user folder"),
          "built-in": ("스테이션 인터페이스", "station interface"), "library": ("장치 라이브러리", "device library")}


def add_commands(sub, add_lang) -> None:
    profile = sub.add_parser("profile")
    actions = profile.add_subparsers(required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every profile name a line file can use, and the file used for it")
    add_lang(listing, argparse.SUPPRESS)
    listing.add_argument("--line", type=Path, help="also look beside this line file first, as its loader does")
    listing.set_defaults(run=_list)
    show = actions.add_parser("show", help="print a profile's map as a table")
    add_lang(show, argparse.SUPPRESS)
    show.add_argument("name", nargs="?", help="a name from `smarthall profile list`, or a .toml path"
                                              " (default: the station interface)")
    show.add_argument("--line", type=Path, help="also look beside this line file first")
    show.add_argument("--markdown", action="store_true", help="print a Markdown table (for the docs)")
    show.set_defaults(run=_show)


def _show(args) -> int:
    beside = args.line.parent if args.line else None
    names = [args.name] if args.name else profile_names()
    print("\n".join(render(find_profile(n, beside), args.lang, args.markdown) for n in names), end="")
    return 0


def _list(args) -> int:
    beside = args.line.parent if args.line else None
    place = {what: texts[0 if args.lang == "ko" else 1] for what, texts in _PLACE.items()}
    print(say("profile_search_path", args.lang))
    folders = [("", place[p.what], f"{p.folder}{'' if p.folder.is_dir() else say('profile_folder_missing', args.lang)}")
               for p in search_path(beside)]
    print("\n".join(aligned_rows(folders)) + "\n")
    rows = []
    for entry in available(beside):
        rows.append((entry.name, place[entry.place.what], str(entry.path)))
        rows += [("", say("profile_hides", args.lang), str(hidden)) for hidden in entry.hidden]
    print("\n".join(aligned_rows(rows)))
    return 0
