"""`smarthall centre --broker URL`: the control-centre view (Textual is imported only when it runs)."""

from __future__ import annotations

import argparse
import os

PASSWORD_ENV = "SMARTHALL_MQTT_PASSWORD"


def add_commands(sub, add_lang) -> None:
    centre = sub.add_parser("centre")
    add_lang(centre, argparse.SUPPRESS)
    centre.add_argument("--broker", required=True, help="mqtt://host:port or mqtts://host:port")
    centre.add_argument("--username", default=None, help=f"MQTT user (its password from ${PASSWORD_ENV})")
    centre.add_argument("--host-id", default="centre", help="Sparkplug host id, the lines' primary_host (default centre)")
    centre.set_defaults(run=_run)


def _run(args) -> int:
    from .app import CentreApp, mqtt_session
    from .model import HostModel

    session = mqtt_session(args.broker, args.host_id, args.username, os.environ.get(PASSWORD_ENV))
    CentreApp(HostModel(), args.lang, args.broker, session).run()
    return 0
