"""Sparkplug B over MQTT: the line as an edge node for a control centre (an ``[mqtt]`` table in the line file).

The line is the edge node (``spBv1.0/<group_id>/.../<edge_node_id>``), each
station a device. `node` runs the MQTT session (births, live data, NCMD
rebirth, DCMD writes through the agent's checked write path, the primary
host's STATE, NDEATH as the will), `store` keeps changes on disk while the
broker or primary host is away, `payloads` and `metrics` are the sans-IO
encoding, `settings` reads the ``[mqtt]`` table.

Payloads: the official ``sparkplug_b.proto`` (Eclipse Tahu, Sparkplug 3.0)
compiled with protoc into ``sparkplug_b_pb2.py``, committed, so installing needs
only the ``protobuf`` runtime, not a compiler: the schema is frozen by the
specification. Regenerate with ``python -m grpc_tools.protoc -I. --python_out=.
--pyi_out=. sparkplug_b.proto`` in this folder (grpcio-tools 1.85: protoc 35.1,
hence ``protobuf>=7.35.1``). The Python Sparkplug libraries were not good
enough to build on: pysparkplug (0.6, 2025) brings its own synchronous paho
client and threads, mqtt-spb-wrapper implements Sparkplug v1.0 over sync paho,
and neither does store-and-forward or primary-host STATE as 3.0 says; the
protobuf schema plus a small sans-IO layer is less code than adapting either.
MQTT: aiomqtt (asyncio over paho-mqtt 2), one client per session because the
will (NDEATH with the next bdSeq) changes with each connect.

Errors: `settings.CredentialsError` (password variable or file), `metrics.CommandError`
(a DCMD naming no writable metric); the node logs both and carries on.

Only `settings` is imported with the line file; the agent imports `node`
(and so aiomqtt and protobuf) when it starts the edge node.
"""

from .settings import MqttSettings, StoreSettings, read_mqtt

__all__ = ["MqttSettings", "StoreSettings", "read_mqtt"]
