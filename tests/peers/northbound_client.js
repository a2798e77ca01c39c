// A third-party OPC UA client (node-opcua) against the edge's northbound server, for tests/interop.
// node northbound_client.js URL USER PASSWORD: prints one JSON object per line ({"step": ..., ...});
// after {"step": "watching"} it waits for the test to raise the conveyor.estop alarm, acknowledges it and exits.
"use strict";
const os = require("os");
const path = require("path");
const fs = require("fs");
const {
    OPCUAClient, OPCUACertificateManager, UserTokenType, AttributeIds,
    DataType, TimestampsToReturn, ClientMonitoredItem, constructEventFilter, resolveNodeId, BrowseDirection,
    SimpleAttributeOperand,
} = require("node-opcua");

const [url, userName, password] = process.argv.slice(2);
const say = (step, fields) => console.log(JSON.stringify({ step, ...fields }));
const pki = fs.mkdtempSync(path.join(os.tmpdir(), "northbound-client-pki-"));

function waitFor(emitter, predicate, what, ms = 20000) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
        emitter.on("changed", function check(value) {
            if (predicate(value)) {
                clearTimeout(timer);
                emitter.removeListener("changed", check);
                resolve(value);
            }
        });
    });
}

async function main() {
    const client = OPCUAClient.create({  // node-opcua's default security (None), its own certificate in a temp pki
        endpointMustExist: false, connectionStrategy: { maxRetry: 1, initialDelay: 100, maxDelay: 200 },
        clientCertificateManager: new OPCUACertificateManager({ rootFolder: pki, automaticallyAcceptUnknownCertificate: true }),
    });
    await client.connect(url);
    const session = await client.createSession({ type: UserTokenType.UserName, userName, password });
    const namespaces = (await session.read({ nodeId: "i=2255", attributeId: AttributeIds.Value })).value.value;
    const ns = namespaces.indexOf("urn:smarthall:edge:sim");
    const id = (tag) => `ns=${ns};s=${tag}`;

    const objects = await session.browse({ nodeId: "i=85", browseDirection: BrowseDirection.Forward, resultMask: 63 });
    const line = objects.references.find((r) => r.browseName.name === "sim");
    const stations = await session.browse({ nodeId: line.nodeId, browseDirection: BrowseDirection.Forward, resultMask: 63 });
    say("browsed", { stations: stations.references.filter((r) => r.nodeClass === 1).map((r) => r.browseName.name).sort() });

    const speed = await session.read({ nodeId: id("conveyor.speed_setpoint"), attributeId: AttributeIds.Value });
    const broken = await session.read({ nodeId: id("vision.no_such"), attributeId: AttributeIds.Value });
    say("read", { value: speed.value.value, status: speed.statusCode.name, unknown: broken.statusCode.name });

    const subscription = await session.createSubscription2({
        requestedPublishingInterval: 50, requestedMaxKeepAliveCount: 20, requestedLifetimeCount: 600,
        maxNotificationsPerPublish: 1000, publishingEnabled: true, priority: 1,
    });
    const item = ClientMonitoredItem.create(subscription, { nodeId: id("conveyor.speed_setpoint"), attributeId: AttributeIds.Value },
        { samplingInterval: 50, discardOldest: true, queueSize: 10 }, TimestampsToReturn.Both);
    const seen = waitFor(item, (v) => v.value.value === 285, "change to 285");
    const written = await session.write({ nodeId: id("conveyor.speed_setpoint"), attributeId: AttributeIds.Value,
        value: { value: { dataType: DataType.UInt16, value: 285 } } });
    const refused = await session.write({ nodeId: id("conveyor.speed_setpoint"), attributeId: AttributeIds.Value,
        value: { value: { dataType: DataType.UInt16, value: 9000 } } });
    say("written", { status: written.name, outOfRange: refused.name });
    say("changed", { value: (await seen).value.value });

    const fields = ["EventId", "ConditionName", "SourceName", "Message", "Severity", "AckedState.Id", "ActiveState.Id"];
    const filter = constructEventFilter(fields);
    filter.selectClauses.push(new SimpleAttributeOperand({  // the ConditionId: the condition's own NodeId
        typeDefinitionId: resolveNodeId("ConditionType"), browsePath: [], attributeId: AttributeIds.NodeId }));
    const events = ClientMonitoredItem.create(subscription, { nodeId: "i=2253", attributeId: AttributeIds.EventNotifier },
        { queueSize: 100, filter, discardOldest: true });
    const field = (values, name) => values[fields.indexOf(name)].value;
    const conditionId = (values) => values[fields.length].value;
    const raised = waitFor(events, (v) => field(v, "ConditionName") === "conveyor.estop" && field(v, "ActiveState.Id")
        && !field(v, "AckedState.Id"), "conveyor.estop raised");
    await new Promise((resolve) => setTimeout(resolve, 200)); // the event item is made once the next publish runs
    say("watching", {});
    const alarm = await raised;
    say("alarm", { severity: field(alarm, "Severity"), source: field(alarm, "SourceName"), message: field(alarm, "Message").text });
    const acked = waitFor(events, (v) => field(v, "ConditionName") === "conveyor.estop" && field(v, "AckedState.Id"),
        "conveyor.estop acknowledged");
    const status = await session.acknowledgeCondition(conditionId(alarm), field(alarm, "EventId"), "node-opcua was here");
    say("acknowledged", { status: status.name, acked: field(await acked, "AckedState.Id") });

    await subscription.terminate();
    await session.close();
    await client.disconnect();
}

main().then(() => { fs.rmSync(pki, { recursive: true, force: true }); process.exit(0); },
    (error) => { say("error", { message: String(error && error.stack || error) }); fs.rmSync(pki, { recursive: true, force: true }); process.exit(1); });
