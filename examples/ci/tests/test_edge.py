"""Through the edge agent: write by tag name, wait for the line to answer, break it on purpose."""


def test_parts_run_through_to_the_bins(smarthall_edge):
    smarthall_edge.write("conveyor.speed_setpoint", 400)
    smarthall_edge.write("conveyor.motor_run", True)
    smarthall_edge.write("feeder.feed", True)
    smarthall_edge.wait_for(["conveyor.parts_good", "conveyor.parts_rejected"], lambda good, rejected: good + rejected >= 1,
                            timeout=60)
    assert smarthall_edge.read("feeder.parts_dispensed") >= 1


def test_an_emergency_stop_stops_the_belt_and_raises_its_alarm(smarthall_edge, smarthall_faults):
    smarthall_edge.write("conveyor.motor_run", True)
    smarthall_edge.wait_for("conveyor.motor_running", True)
    with smarthall_faults.inject("conveyor", "estop"):
        smarthall_edge.wait_for(["conveyor.estop_ok", "conveyor.motor_running"], False)
        assert smarthall_edge.snapshot()["conveyor.fault_code"].value == 3
    smarthall_edge.wait_for("conveyor.estop_ok", True)


async def test_a_sensor_that_goes_offline_reads_bad(smarthall_edge, smarthall_faults):
    async with smarthall_faults.inject("ambient", "offline"):
        await smarthall_edge.wait_for("ambient.temperature", quality="bad", timeout=20)
    await smarthall_edge.wait_for("ambient.temperature", lambda celsius: 0 < celsius < 50, timeout=20)


async def test_a_script_uses_the_edge_client_api(smarthall_edge):
    async with smarthall_edge.connect() as client:
        await client.write("conveyor.speed_setpoint", 250)
        [setpoint] = await client.read(["conveyor.speed_setpoint"], fresh=True)
    assert setpoint.value == 250
