"""Your own devices: a twin of a profile (shipped, or your own profile file) on its own protocol."""

from pymodbus.client import ModbusTcpClient


def test_a_plc_script_reads_what_the_twin_holds(smarthall_device):
    plc = smarthall_device("ls_xgb", transport="tcp")
    plc.set("run", True)
    host, port = plc.endpoint
    client = ModbusTcpClient(host, port=port)
    assert client.connect()
    try:
        assert client.read_coils(0, count=1, device_id=1).bits[0] is True
    finally:
        client.close()


def test_the_edge_reads_a_temperature_controller_on_rs485(smarthall_device):
    tk = smarthall_device("autonics_tk", transport="rtu")
    tk.set("pv", 123.4)
    edge = tk.edge()
    edge.wait_for("tk.pv", 123.4)
    edge.write("tk.sv", 80)
    assert tk.get("sv") == 80
