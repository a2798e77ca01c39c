// A node-opcua server with its default settings, for the subscription benchmark and tests: N Doubles under
// object Bench (ns=1;s=Bench.V<i>, browse names V<i>, node-opcua's defaults: MinimumSamplingInterval 0), all
// rewritten every 100 ms in one synchronous round (no promise, no await), each value the time it was written
// (epoch seconds).
//
// What the server does is node-opcua's, at its defaults; how this script feeds it is chosen to leave node-opcua
// the CPU (at 5,000 variables a round's writes and node-opcua's own work at 100 ms share one core):
// - a round writes each value into the variable's DataValue and touchValue() stamps it and tells the monitored
//   items that listen (as node-opcua updates the fields of a bound structure): setValueFromSource built a
//   Variant and a DataValue per write, and cloned the old and the new value even with nobody listening;
// - each variable carries the RolePermissions and AccessRestrictions its namespace would give it (every
//   permission to every session, no restriction: node-opcua's default for a namespace without metadata), so a
//   read checks them on the node: without, each of the four checks of a read (a sample of a monitored item is
//   one) looked the namespace's DefaultUserRolePermissions and DefaultAccessRestrictions up by browse name
//   under Server/Namespaces, half of the server's CPU at 5,000 variables sampled every 100 ms.
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
const {
    OPCUAServer, OPCUACertificateManager, DataType, Variant, Subscription, WellKnownRoles, allPermissions,
    AccessRestrictionsFlag,
} = require("node-opcua");

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
    // the namespace's defaults, written on each node (see above); a session is always evaluated as Anonymous too
    const everyone = { rolePermissions: [{ roleId: WellKnownRoles.Anonymous, permissions: allPermissions }],
        accessRestrictions: AccessRestrictionsFlag.None };
    const nodes = [];
    for (let i = 0; i < size; i++) {
        nodes.push(ns.addVariable({ componentOf: bench, browseName: `V${i}`, nodeId: `s=Bench.V${i}`,
            dataType: "Double", value: new Variant({ dataType: DataType.Double, value: 0 }), ...everyone }));
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
            node.$dataValue.value.value = Date.now() / 1000;
            node.touchValue();
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
    const stop = async () => {
        paused = true;  // a round after shutdown would warn of each variable it can no longer set
        await server.shutdown(0);
        process.exit(0);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}
main().catch((err) => { console.error(err); process.exit(1); });
