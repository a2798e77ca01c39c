"""`smarthall centre --broker URL`: the control-centre view (Textual is imported only when it runs)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from urllib.parse import urlsplit

PASSWORD_ENV = "SMARTHALL_MQTT_PASSWORD"


def add_commands(sub, add_lang) -> None:
    centre = sub.add_parser("centre")
    add_lang(centre, argparse.SUPPRESS)
    centre.add_argument("--broker", required=True, help="mqtt://host:port or mqtts://host:port")
    centre.add_argument("--username", default=None,
                        help=f"MQTT user (its password from ${PASSWORD_ENV} or --password-file)")
    centre.add_argument("--password-file", type=Path, default=None, help="read the MQTT password from this file")
    centre.add_argument("--ca-file", type=Path, default=None,
                        help="with mqtts://: trust the broker's certificate from this CA (default: the system's CAs)")
    centre.add_argument("--host-id", default="centre", help="Sparkplug host id, the lines' primary_host (default centre)")
    centre.set_defaults(run=_run)


def _run(args) -> int:
    from smarthall.cli import UserError

    from .app import CentreApp, mqtt_session
    from .model import HostModel
    from .texts import say

    if args.ca_file is not None and urlsplit(args.broker).scheme != "mqtts":
        raise UserError(say("ca_needs_tls", args.lang, broker=args.broker))
    if args.ca_file is not None and not args.ca_file.is_file():
        raise UserError(say("ca_missing", args.lang, path=args.ca_file))
    password = os.environ.get(PASSWORD_ENV)
    if args.password_file is not None:
        try:
            password = args.password_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise UserError(say("password_unreadable", args.lang, path=args.password_file, error=exc.strerror)) from None
    session = mqtt_session(args.broker, args.host_id, args.username, password, args.ca_file)
    CentreApp(HostModel(), args.lang, args.broker, session).run()
    return 0
