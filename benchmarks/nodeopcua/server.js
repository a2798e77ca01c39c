// node-opcua server with its default settings: N Doubles under object Bench (ns=1;s=Bench.V<i>, browse
// names V<i>, node-opcua's defaults: MinimumSamplingInterval 0), all rewritten every 100 ms in one synchronous
// round of setValueFromSource (no promise, no await), each value the time it was written (epoch seconds).
// Prints "ready URL", then a line per round: start end cpu-seconds (as benchmarks/opcua_subscription.py).
"use strict";
const os = require("os");
const path = require("path");
const { OPCUAServer, OPCUACertificateManager, DataType, Variant } = require("node-opcua");

async function main() {
    const size = Number(process.argv[2]);
    // Default settings but for where its certificate is kept: a folder of the benchmark's, not the user's.
    const serverCertificateManager = new OPCUACertificateManager({
        rootFolder: path.join(os.tmpdir(), "smarthall-bench-nodeopcua", "server") });
    const server = new OPCUAServer({ port: Number(process.argv[3] || 0), serverCertificateManager });
    await server.initialize();
    const space = server.engine.addressSpace;
    const ns = space.getOwnNamespace();
    const bench = ns.addObject({ organizedBy: space.rootFolder.objects, browseName: "Bench", nodeId: "s=Bench" });
    const nodes = [];
    for (let i = 0; i < size; i++) {
        nodes.push(ns.addVariable({ componentOf: bench, browseName: `V${i}`, nodeId: `s=Bench.V${i}`,
            dataType: "Double", value: new Variant({ dataType: DataType.Double, value: 0 }) }));
    }
    await server.start();
    console.log(`ready opc.tcp://127.0.0.1:${server.endpoints[0].port} ${ns.namespaceUri}`);
    let tick = Date.now();
    const round = () => {
        const start = Date.now() / 1000;
        for (const node of nodes) {
            node.setValueFromSource(new Variant({ dataType: DataType.Double, value: Date.now() / 1000 }));
        }
        const cpu = process.cpuUsage();
        console.log(`${start} ${Date.now() / 1000} ${(cpu.user + cpu.system) / 1e6}`);
        tick = Math.max(tick + 100, Date.now());
        setTimeout(round, tick - Date.now());
    };
    round();
}
main().catch((err) => { console.error(err); process.exit(1); });
