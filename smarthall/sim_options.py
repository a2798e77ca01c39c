"""The simulated line's options, shared by `smarthall sim` and `smarthall lab`: one set of flags, one SimOptions."""

from __future__ import annotations

import argparse

from .arg_types import bounded, port

PORTS = (("feeder", 5020), ("conveyor", 5021), ("process", 4840), ("control", 4841), ("camera", 8080))


def add_sim_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """Where the simulated line listens and how it runs; `prefix` starts each help text (e.g. "simulated line: ")."""
    parser.add_argument("--host", default="127.0.0.1", help=f"{prefix}address to listen on")
    for name, default in PORTS:
        parser.add_argument(f"--{name}-port", type=port, default=default, metavar="PORT",
                            help=f"{prefix}default {default}; 0 picks a free port")
    parser.add_argument("--fieldbus-link", default="/tmp/smarthall-fieldbus",
                        help=f"{prefix}stable symlink to the RTU bus pty ('' for none)")
    parser.add_argument("--seed", type=int, default=1, help=f"{prefix}same seed, same run")
    parser.add_argument("--time-scale", type=bounded(0.1, 100), default=1.0,
                        help=f"{prefix}plant seconds per wall second (0.1..100)")
    parser.add_argument("--defect-rate", type=bounded(0.0, 1.0), default=0.1,
                        help=f"{prefix}fraction of parts with a defect")
    parser.add_argument("--wire-time", action="store_true", help=f"{prefix}emulate RS-485 wire time at 19200 baud")


def sim_options(args: argparse.Namespace):
    """The SimOptions the parsed flags ask for."""
    from smarthall.simulators.line import SimOptions

    return SimOptions(host=args.host, **{f"{name}_port": getattr(args, f"{name}_port") for name, _ in PORTS},
                      fieldbus_link=args.fieldbus_link or None, seed=args.seed, defect_rate=args.defect_rate,
                      time_scale=args.time_scale, emulate_wire_time=args.wire_time)
