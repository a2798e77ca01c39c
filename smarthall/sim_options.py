"""The simulated line's options, shared by `smarthall sim` and `smarthall lab`: one set of flags, one SimOptions."""

from __future__ import annotations

import argparse

from smarthall.simulators.options import SimOptions, default_ports

from .arg_types import bounded, port

PORTS = default_ports()
DEFAULTS = SimOptions()


def add_sim_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """Where the simulated line listens and how it runs; `prefix` starts each help text (e.g. "simulated line: ")."""
    parser.add_argument("--host", default=DEFAULTS.host, help=f"{prefix}address to listen on")
    for name, default in PORTS:
        parser.add_argument(f"--{name}-port", type=port, default=default, metavar="PORT",
                            help=f"{prefix}default {default}; 0 picks a free port")
    parser.add_argument("--fieldbus-link", default=DEFAULTS.fieldbus_link,
                        help=f"{prefix}stable symlink to the RTU bus pty ('' for none)")
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed, help=f"{prefix}same seed, same run")
    parser.add_argument("--time-scale", type=bounded(0.1, 100), default=DEFAULTS.time_scale,
                        help=f"{prefix}plant seconds per wall second (0.1..100)")
    parser.add_argument("--defect-rate", type=bounded(0.0, 1.0), default=DEFAULTS.defect_rate,
                        help=f"{prefix}fraction of parts with a defect")
    parser.add_argument("--wire-time", action="store_true", help=f"{prefix}emulate RS-485 wire time at 19200 baud")


def sim_options(args: argparse.Namespace) -> SimOptions:
    """The SimOptions the parsed flags ask for."""
    return SimOptions(host=args.host, **{f"{name}_port": getattr(args, f"{name}_port") for name, _ in PORTS},
                      fieldbus_link=args.fieldbus_link or None, seed=args.seed, defect_rate=args.defect_rate,
                      time_scale=args.time_scale, emulate_wire_time=args.wire_time)


def line_sim_options(config):
    """The simulated line that serves lines/sim.toml (or a copy on other ports) where it expects its stations (its
    ports, camera and RS-485 link; sim control on its default port beside the default feeder port, else a free one):
    what a command starts in-process when nothing answers."""
    from urllib.parse import urlsplit

    from smarthall.simulators.options import SimOptions

    vision = config.vision
    feeder_port = config.connection("feeder").settings["port"]
    return SimOptions(feeder_port=feeder_port,
                      conveyor_port=config.connection("conveyor").settings["port"],
                      process_port=urlsplit(config.connection("process").settings["endpoint"]).port,
                      camera_port=urlsplit(str(vision.camera.source)).port if vision is not None else 0,
                      control_port=SimOptions.control_port if feeder_port == SimOptions.feeder_port else 0,
                      fieldbus_link=config.connection("fieldbus").settings.get("link"))
