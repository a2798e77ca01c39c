// A node-opcua server with its default settings, for the subscription benchmark and tests: N Doubles under
// object Bench (ns=1;s=Bench.V<i>, browse names V<i>, node-opcua's defaults: MinimumSamplingInterval 0), all
// rewritten every 100 ms in one synchronous round of setValueFromSource (no promise, no await), each value
// the time it was written (epoch seconds).
//
//   node rewriting_server.js --port PORT --size N [--pki DIR] [--cap NOTIFICATIONS] [--rounds]
//
// --cap: at most that many notifications a publish response (node-opcua's default: 1,000); --rounds: a line
// per round, "start end cpu-seconds" (as benchmarks/opcua_subscription.py reads), and on stdin "pause" stops
// the rounds (answers "paused"), "sent" answers "sent N": the data changes the server has sent to all
// subscriptions (its subscription diagnostics' DataChangeNotificationsCount; values it coalesced or its queues
// dropped are not sent). Prints "ready opc.tcp://... NAMESPACE" when listening.
"use strict";
const os = require("os");
const path = require("path");
const readline = require("readline");
const { OPCUAServer, OPCUACertificateManager, DataType, Variant, Subscription } = require("node-opcua");

function option(name, fallback) {
    const at = process.argv.indexOf(name);
    return at >= 0 ? process.argv[at + 1] : fallback;
}

async function main() {
    const size = Number(option("--size", "1000"));
    const cap = option("--cap", null);
    if (cap !== null) Subscription.maxNotificationPerPublishHighLimit = Number(cap);
    const rounds = process.argv.includes("--rounds");
    // Default settings but for where its certificate is kept: a folder of the caller's, not the user's.
    const serverCertificateManager = new OPCUACertificateManager({
        rootFolder: path.join(option("--pki", path.join(os.tmpdir(), "smarthall-bench-nodeopcua")), "server") });
    const server = new OPCUAServer({ port: Number(option("--port", "0")), serverCertificateManager });
    await server.initialize();
    const space = server.engine.addressSpace;
    const ns = space.getOwnNamespace();
    const bench = ns.addObject({ organizedBy: space.rootFolder.objects, browseName: "Bench", nodeId: "s=Bench" });
    const nodes = [];
    for (let i = 0; i < size; i++) {
        nodes.push(ns.addVariable({ componentOf: bench, browseName: `V${i}`, nodeId: `s=Bench.V${i}`,
            dataType: "Double", value: new Variant({ dataType: DataType.Double, value: 0 }) }));
    }
    const subscriptions = [];
    server.on("create_session", (session) => session.on("new_subscription", (sub) => subscriptions.push(sub)));
    await server.start();
    console.log(`ready opc.tcp://127.0.0.1:${server.endpoints[0].port} ${ns.namespaceUri}`);
    let tick = Date.now();
    let paused = false;
    const round = () => {
        if (paused) return;
        const start = Date.now() / 1000;
        for (const node of nodes) {
            node.setValueFromSource(new Variant({ dataType: DataType.Double, value: Date.now() / 1000 }));
        }
        if (rounds) {
            const cpu = process.cpuUsage();
            console.log(`${start} ${Date.now() / 1000} ${(cpu.user + cpu.system) / 1e6}`);
        }
        tick = Math.max(tick + 100, Date.now());
        setTimeout(round, tick - Date.now());
    };
    round();
    if (rounds) {
        readline.createInterface({ input: process.stdin }).on("line", (line) => {
            if (line === "pause") {
                paused = true;
                console.log("paused");
            } else if (line === "sent") {
                const sent = subscriptions.reduce((n, sub) => n + sub.subscriptionDiagnostics.dataChangeNotificationsCount, 0);
                console.log(`sent ${sent}`);
            }
        });
    }
    const stop = async () => { await server.shutdown(0); process.exit(0); };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}
main().catch((err) => { console.error(err); process.exit(1); });
