// node-opcua client: subscribes to N Doubles (100 ms publishing, sampling as asked, queue 10) and keeps every
// value with its arrival time. Prints "complete" once every item delivered its first value; on "stop" (stdin)
// stdin "mark": CPU counted from now ("marked"); "cpu": prints the CPU seconds since the mark; "count": prints
// "count N", the data changes delivered since subscribing (initial values included); "stop": writes
// {name: [[value, arrival], ...]} to the file named and exits.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const readline = require("readline");
const {
    OPCUAClient, OPCUACertificateManager, AttributeIds, TimestampsToReturn, ClientMonitoredItemGroup,
} = require("node-opcua");

async function main() {
    const [url, size, out, sampling] = [process.argv[2], Number(process.argv[3]), process.argv[4], Number(process.argv[5])];
    const clientCertificateManager = new OPCUACertificateManager({
        rootFolder: path.join(os.tmpdir(), "smarthall-bench-nodeopcua", "client") });
    const client = OPCUAClient.create({ endpointMustExist: false, clientCertificateManager });
    await client.connect(url);
    const session = await client.createSession();
    const subscription = await session.createSubscription2({
        requestedPublishingInterval: 100, requestedLifetimeCount: 1000, requestedMaxKeepAliveCount: 20,
        maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 0 });
    const items = [];
    for (let i = 0; i < size; i++) items.push({ nodeId: `ns=1;s=Bench.V${i}`, attributeId: AttributeIds.Value });
    const seen = Array.from({ length: size }, () => []);
    let first = 0;
    let count = 0;
    let mark = process.cpuUsage();
    const group = ClientMonitoredItemGroup.create(subscription, items,
        { samplingInterval: sampling, queueSize: 10, discardOldest: true }, TimestampsToReturn.Both);
    group.on("changed", (item, dataValue, index) => {
        count++;
        const list = seen[index];
        if (list.length === 0 && ++first === size) console.log("complete");
        list.push([dataValue.value.value, Date.now() / 1000]);
    });
    readline.createInterface({ input: process.stdin }).on("line", async (line) => {
        if (line === "mark") {
            mark = process.cpuUsage();
            console.log("marked");
            return;
        }
        if (line === "count") {
            console.log(`count ${count}`);
            return;
        }
        if (line === "cpu") {
            const used = process.cpuUsage(mark);
            console.log(`cpu ${(used.user + used.system) / 1e6}`);
            return;
        }
        const result = {};
        seen.forEach((list, i) => { result[`v${i}`] = list; });
        fs.writeFileSync(out, JSON.stringify(result));
        await subscription.terminate();
        await session.close();
        await client.disconnect();
        process.exit(0);
    });
}
main().catch((err) => { console.error(err); process.exit(1); });
