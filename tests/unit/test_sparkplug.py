"""Sparkplug B without a broker: the [mqtt] table, metrics and payloads, seq and bdSeq, the store's bounds."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from smarthall.devices.quality import Quality
from smarthall.edge.config import DEFAULT_LINE, LINES_DIR, LineConfigError, load_line
from smarthall.edge.sparkplug import payloads
from smarthall.edge.sparkplug.metrics import CommandError, catalogue, command_targets, get_value, set_value
from smarthall.edge.sparkplug.settings import CredentialsError
from smarthall.edge.sparkplug.sparkplug_b_pb2 import DataType, Payload
from smarthall.edge.sparkplug.store import Store
from smarthall.edge.tags import TagValue

SIM = DEFAULT_LINE.read_text(encoding="utf-8")
MQTT = '\n[mqtt]\nbroker = "mqtt://127.0.0.1:1883"\ngroup_id = "hall1"\n'


def line_with(tmp_path, mqtt: str):
    path = tmp_path / "line.toml"
    path.write_text(SIM.replace('# recipe = "my-recipe.toml"', "") + mqtt, encoding="utf-8")
    return load_line(path)


def test_mqtt_table_defaults(tmp_path):
    mqtt = line_with(tmp_path, MQTT).mqtt
    assert (mqtt.host, mqtt.port, mqtt.tls, mqtt.group_id, mqtt.edge_node_id) == ("127.0.0.1", 1883, False, "hall1", "sim")
    assert mqtt.store.path.name == "sim-sparkplug.db" and mqtt.store.max_bytes == 50_000_000
    assert load_line(DEFAULT_LINE).mqtt is None


def test_mqtts_with_a_ca_file_and_a_password_file(tmp_path):
    (tmp_path / "pw").write_text("s3cret\n")
    mqtt = line_with(tmp_path, '\n[mqtt]\nbroker = "mqtts://broker.hall:8884"\ngroup_id = "g"\npassword_file = "pw"\n'
                               'ca_file = "ca.crt"\n').mqtt
    assert (mqtt.port, mqtt.tls, mqtt.ca_file) == (8884, True, tmp_path / "ca.crt")
    assert mqtt.password() == "s3cret"


def test_password_from_an_unset_variable_names_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SPB_TEST_PW", raising=False)
    mqtt = line_with(tmp_path, MQTT + 'password_env = "SPB_TEST_PW"\n').mqtt
    with pytest.raises(CredentialsError, match="environment variable SPB_TEST_PW is not set"):
        mqtt.password()
    monkeypatch.setenv("SPB_TEST_PW", "x")
    assert mqtt.password() == "x"


@pytest.mark.parametrize(("mqtt", "expected"), [
    ('\n[mqtt]\nbroker = "tcp://h:1"\ngroup_id = "g"\n', r"\[mqtt\]: key 'broker': expected mqtt://host:port or mqtts"),
    ('\n[mqtt]\nbroker = "mqtt://h:99999"\ngroup_id = "g"\n', r"key 'broker': expected mqtt://host:port"),
    ('\n[mqtt]\nbroker = "mqtt://h"\n', r"\[mqtt\]: missing key 'group_id'"),
    (MQTT + 'edge_node_id = "line/1"\n', r"key 'edge_node_id': expected a name without '/', '\+' or '#'"),
    (MQTT + 'ca_file = "ca.crt"\n', r"key 'ca_file': a CA file needs TLS"),
    (MQTT + 'password_env = "A"\npassword_file = "b"\n', r"expected one of them, not both"),
    (MQTT + "keepalive_s = 0\n", r"key 'keepalive_s': expected 1\.\.3600, got 0"),
    (MQTT + "brokr = 1\n", r"\[mqtt\]: unknown key 'brokr'"),
    (MQTT + "[mqtt.store]\nmax_mb = 0\n", r"\[mqtt.store\]: key 'max_mb': expected 0\.01\.\.100000, got 0"),
    (MQTT + 'command_user = "nobody"\n', r"key 'command_user': expected a user of the \[users\] file, got 'nobody'"),
])
def test_bad_mqtt_table_is_one_clear_message(tmp_path, mqtt, expected):
    with pytest.raises(LineConfigError, match=expected) as caught:
        line_with(tmp_path, mqtt)
    assert str(caught.value).startswith(str(tmp_path / "line.toml"))


def test_every_tag_is_a_metric_of_its_station_with_a_unique_alias():
    config = load_line(DEFAULT_LINE)
    specs = catalogue(config.tags)
    assert len(specs) == len(config.tags)
    assert sorted(s.alias for s in specs.values()) == list(range(1, len(specs) + 1))
    assert {s.device for s in specs.values()} == {"feeder", "conveyor", "fieldbus", "process", "vision"}
    temperature = specs["ambient.temperature"]
    assert (temperature.name, temperature.datatype, temperature.unit) == ("ambient/temperature", DataType.Double, "°C")
    assert specs["conveyor.run_seconds"].datatype == DataType.UInt64  # uint32: long_value to every decoder
    assert specs["energy.feeder.power_kw"].low is None  # a float32 without min/max has no range
    assert specs["vision.inspected"].writable is False and specs["conveyor.speed_setpoint"].writable is True


@pytest.mark.parametrize(("datatype", "value"), [(DataType.Int16, -5), (DataType.Int32, -2**31), (DataType.Int64, -7),
                                                 (DataType.UInt16, 65535), (DataType.UInt64, 2**32 - 1),
                                                 (DataType.Double, 21.5), (DataType.Boolean, True),
                                                 (DataType.String, "pass")])
def test_values_round_trip_through_their_field(datatype, value):
    metric = Payload.Metric()
    set_value(metric, datatype, value)
    decoded = get_value(Payload.Metric.FromString(metric.SerializeToString()), datatype)
    assert decoded == value


def test_data_by_alias_with_quality_when_not_good_or_back_to_good():
    specs = catalogue(load_line(DEFAULT_LINE).tags)
    speed, temp = specs["conveyor.speed_actual"], specs["process.temperature"]
    data = Payload.FromString(payloads.device_data(7, 1000, [
        (speed, TagValue(speed.tag, 200, Quality.GOOD, 1.5), False),
        (temp, TagValue(temp.tag, None, Quality.BAD, 1.5, "open thermocouple"), False),
        (speed, TagValue(speed.tag, 210, Quality.GOOD, 1.6), True)]))
    assert data.seq == 7
    good, bad, recovered = data.metrics
    assert (good.alias, good.name, good.int_value, good.timestamp, len(good.properties.keys)) == (speed.alias, "", 200,
                                                                                                 1500, 0)
    assert bad.is_null and dict(zip(bad.properties.keys, bad.properties.values))["Quality"].int_value == 0
    assert dict(zip(recovered.properties.keys, recovered.properties.values))["Quality"].int_value == 192
    historical = Payload.FromString(payloads.device_data(8, 1000, [(speed, TagValue(speed.tag, 1, Quality.GOOD, 1), False)],
                                                         historical=True))
    assert historical.metrics[0].is_historical


def test_seq_wraps_from_255_to_0_and_restarts_at_birth():
    seq = payloads.Sequence256()
    assert [seq.next() for _ in range(258)][-3:] == [255, 0, 1]
    assert seq.restart() == 0 and seq.next() == 1


def test_command_targets_by_alias_or_name_and_refuses_read_only():
    specs = catalogue(load_line(DEFAULT_LINE).tags)
    setpoint = specs["conveyor.speed_setpoint"]
    command = Payload()
    command.metrics.add(alias=setpoint.alias, int_value=300)
    command.metrics.add(name="conveyor/motor_run", boolean_value=True)
    assert [(s.tag, v) for s, v in command_targets(command, "conveyor", specs)] == [
        ("conveyor.speed_setpoint", 300), ("conveyor.motor_run", True)]
    read_only = Payload()
    read_only.metrics.add(name="conveyor/parts_good", int_value=0)
    with pytest.raises(CommandError, match="conveyor/parts_good is read-only"):
        command_targets(read_only, "conveyor", specs)
    with pytest.raises(CommandError, match=f"DCMD feeder: no metric alias {setpoint.alias} on this device"):
        command_targets(command, "feeder", specs)  # aliases are the edge node's; the device must match too


def test_state_payloads():
    assert payloads.parse_state(payloads.state(True, 1234)) == (True, 1234)
    for bad in (b"ONLINE", b'{"online": "yes", "timestamp": 1}', b"\xff"):
        with pytest.raises(ValueError, match="STATE payload"):
            payloads.parse_state(bad)


def values(n: int, start: float = 1000.0) -> list[TagValue]:
    return [TagValue("conveyor.speed_actual", i, Quality.GOOD, start + i) for i in range(n)]


def test_store_keeps_order_across_reopening_and_bd_seq_wraps(tmp_path):
    store = Store(tmp_path / "s.db", 10**6, 3600)
    store.add(values(5), now=1010)
    store.close()
    store = Store(tmp_path / "s.db", 10**6, 3600)
    rows = store.oldest(3)
    assert [v.value for _, v in rows] == [0, 1, 2] and store.pending == 5
    store.remove_through(rows[-1][0])
    assert [v.value for _, v in store.oldest(10)] == [3, 4] and store.pending == 2
    assert [store.next_bd_seq() for _ in range(257)][-2:] == [255, 0]
    store.close()


def test_store_drops_the_oldest_beyond_its_bounds_and_counts_them(tmp_path):
    store = Store(tmp_path / "s.db", max_bytes=1000, max_age_s=50)
    store.add(values(30), now=1030)
    kept = [v.value for _, v in store.oldest(100)]
    assert store.bytes <= 1000 and store.dropped == 30 - len(kept) > 0
    assert kept == list(range(30 - len(kept), 30))  # the newest ones, in order
    dropped_by_size = store.dropped
    store.add(values(1, start=1100), now=1100)  # the rest are older than 50 s now
    assert [v.value for _, v in store.oldest(100)] == [0] and store.dropped == dropped_by_size + len(kept)
    store.close()
    assert Store(tmp_path / "s.db", 1000, 50).dropped == store.dropped  # the counter is kept on disk


KILLED_WRITER = """
import sys
from smarthall.devices.quality import Quality
from smarthall.edge.sparkplug.store import Store
from smarthall.edge.tags import TagValue
store = Store(__import__("pathlib").Path(sys.argv[1]), 10**9, 10**9)
for batch in range(10**6):
    store.add([TagValue("t", batch * 10 + i, Quality.GOOD, 1e9 + batch) for i in range(10)])
    print(batch, flush=True)
"""


def test_kill_9_while_storing_loses_at_most_the_batch_being_added(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path / "s.db")], stdout=subprocess.PIPE,
                             text=True)
    for _ in range(20):
        confirmed = int(child.stdout.readline())
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    store = Store(tmp_path / "s.db", 10**9, 10**9)
    kept = [v.value for _, v in store.oldest(10**6)]
    store.close()
    assert kept == list(range(len(kept)))  # whole batches, in order, none half-written
    assert len(kept) % 10 == 0 and len(kept) >= (confirmed + 1) * 10


def test_the_hall_examples_mqtt_block_loads_when_uncommented(tmp_path):
    text = (LINES_DIR / "hall.example.toml").read_text(encoding="utf-8")
    start = text.index("# [mqtt]")
    block = "\n".join(line.removeprefix("# ") for line in text[start:].splitlines())
    (tmp_path / "hall.toml").write_text(text[:start] + block + "\n", encoding="utf-8")
    mqtt = load_line(tmp_path / "hall.toml").mqtt
    assert (mqtt.host, mqtt.port, mqtt.tls, mqtt.ca_file) == ("broker.hall.local", 8883, True, tmp_path / "hall-ca.crt")
    assert (mqtt.edge_node_id, mqtt.primary_host, mqtt.command_user) == ("line1", "centre", None)
