"""`smarthall users passwd NAME [--file F] [--role R] [--team T]`: a password hashed into a users file.

The password comes from a prompt (asked twice) or SMARTHALL_PASSWORD. Only the user's
``password`` line changes (comments and the rest stay as written); a name not in the file
is added with --role (and --team for a trainee). The file is checked before it is replaced.
"""

from __future__ import annotations

import argparse
import getpass
import itertools
import os
import re
import tomllib
from pathlib import Path

from smarthall.edge.config import DEFAULT_LINE, load_line
from smarthall.edge.errors import UsersFileError
from smarthall.edge.users import Role, Users, hash_password

from .edge_commands import CommandError
from .texts import say

_HEADER = re.compile(r"^\s*\[")
_PASSWORD = re.compile(r"^\s*password\s*=")


def add_commands(sub, add_lang) -> None:
    users = sub.add_parser("users")
    actions = users.add_subparsers(required=True, metavar="ACTION")
    passwd = actions.add_parser("passwd", help="set a user's password in the users file (hashed, never in clear)")
    add_lang(passwd, argparse.SUPPRESS)
    passwd.add_argument("name")
    passwd.add_argument("--file", type=Path, default=None,
                        help="users file (default: the one the line file names in [users])")
    passwd.add_argument("--line", type=Path, default=None, help="line configuration (default: the simulated line)")
    passwd.add_argument("--role", choices=[r.value for r in Role], help="for a user not yet in the file")
    passwd.add_argument("--team", help="a new trainee's team")
    passwd.set_defaults(run=_passwd)


def _passwd(args) -> int:
    path = args.file or _line_users_file(args.line)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    password = _new_password(args.lang)
    updated = set_password(text, args.name, hash_password(password), args.role, args.team)
    scratch = path.with_name(f".{path.name}.new")
    scratch.write_text(updated, encoding="utf-8")
    try:
        Users.load(scratch)
    except UsersFileError as exc:
        scratch.unlink()
        raise UsersFileError(str(exc).replace(str(scratch), str(path))) from None
    scratch.replace(path)
    print(say("password_set", args.lang, name=args.name, path=path))
    return 0


def _line_users_file(line: Path | None) -> Path:
    config = load_line(line or DEFAULT_LINE)
    if config.users is None:
        raise UsersFileError(f"{config.source}: no [users] table naming a users file: give one with --file")
    return Path(config.users.source)


def _new_password(lang: str) -> str:
    if "SMARTHALL_PASSWORD" in os.environ:
        password = os.environ["SMARTHALL_PASSWORD"]
    else:
        password = getpass.getpass(say("password_prompt", lang))
        if getpass.getpass(say("password_again", lang)) != password:
            raise CommandError(say("passwords_differ", lang))
    if not password:
        raise CommandError(say("password_empty", lang))
    return password


def set_password(text: str, name: str, hashed: str, role: str | None = None, team: str | None = None) -> str:
    """The users file's text with name's password line replaced (or the user added, which needs role)."""
    lines = text.splitlines(keepends=True)
    for start, end in _user_blocks(lines):
        block = lines[start:end]
        if tomllib.loads("".join(block[1:])).get("name") != name:
            continue
        line = f'password = "{hashed}"\n'
        old = [i for i, text in enumerate(block) if _PASSWORD.match(text)]
        if old:
            block[old[0]] = line
        else:
            block.insert(1 + max(i for i, text in enumerate(block[1:]) if text.strip() and not text.lstrip().startswith("#")),
                         line)
        return "".join(lines[:start] + block + lines[end:])
    if role is None:
        raise CommandError(f"no user {name!r} in the users file: add them with --role (and --team for a trainee)")
    added = f'\n[[users]]\nname = "{name}"\nrole = "{role}"\n' + (f'team = "{team}"\n' if team else "")
    return text + ("" if not text or text.endswith("\n") else "\n") + added + f'password = "{hashed}"\n'


def _user_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first, past-last) line of each [[users]] table: from its header to the next header."""
    headers = [i for i, line in enumerate(lines) if _HEADER.match(line)] + [len(lines)]
    return [(a, b) for a, b in itertools.pairwise(headers) if lines[a].strip().startswith("[[users]]")]
