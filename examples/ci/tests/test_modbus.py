"""An HMI script's view: Modbus TCP straight to the simulated feeder, on the port the line got."""

from pymodbus.client import ModbusTcpClient


def test_a_full_magazine_of_fifty_parts(smarthall_line):
    host, port = smarthall_line.endpoints.modbus["feeder"]
    client = ModbusTcpClient(host, port=port)
    assert client.connect()
    try:
        reply = client.read_input_registers(0, count=1, device_id=1)  # feeder.magazine_count
    finally:
        client.close()
    assert not reply.isError() and reply.registers == [50]


def test_the_line_file_points_at_this_line(smarthall_line):
    text = smarthall_line.line_file.read_text(encoding="utf-8")
    assert f"port = {smarthall_line.endpoints.modbus['conveyor'][1]}" in text
    assert smarthall_line.endpoints.opcua["process"] in text
