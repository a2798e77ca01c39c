// A third-party OPC UA server (node-opcua) laid out like a Siemens S7-1500's, for the interop tests.
//
//   node s7_server.js --port PORT --pki DIR [--secure USER:PASSWORD]
//
// Namespace 3 is http://www.siemens.com/simatic-s7-opcua (a placeholder namespace takes 2, as the
// PLC's own does), with string NodeIds as TIA Portal names them:
//   Objects/3:DataBlocksGlobal/3:DB_Line               ns=3;s="DB_Line"
//     3:Temperature  Double, changes every 100 ms      ns=3;s="DB_Line"."Temperature"
//     3:Speed        Int16, read/write                 ns=3;s="DB_Line"."Speed"
//     3:Running      Boolean, read/write               ns=3;s="DB_Line"."Running"
//     3:Count        UInt32                            ns=3;s="DB_Line"."Count"
//     3:Motor/3:Drive/3:Current  Float (a nested struct) ns=3;s="DB_Line"."Motor"."Drive"."Current"
//   Objects/3:ServerInterfaces/3:Job                   ns=3;s="Job"
//     3:SetSpeed(speed: Int16) -> previous speed       ns=3;s="Job".SetSpeed
// --secure: only Basic256Sha256 / Aes128 / Aes256 with SignAndEncrypt, user name and password required
// (client certificates are accepted on first use). Prints "ready opc.tcp://..." when listening.
"use strict";
const path = require("path");
const {
    OPCUAServer, OPCUACertificateManager, DataType, Variant, StatusCodes, MessageSecurityMode, SecurityPolicy,
} = require("node-opcua");

function option(name, fallback) {
    const at = process.argv.indexOf(name);
    return at >= 0 ? process.argv[at + 1] : fallback;
}

async function main() {
    const port = Number(option("--port", "0"));
    const pki = option("--pki", path.join(__dirname, "pki"));
    const secure = option("--secure", null);
    const [user, password] = secure ? secure.split(":") : [null, null];
    const serverCertificateManager = new OPCUACertificateManager({
        rootFolder: path.join(pki, "server"), automaticallyAcceptUnknownCertificate: true,
    });
    await serverCertificateManager.initialize();
    const server = new OPCUAServer({
        port,
        serverCertificateManager,
        securityPolicies: secure ? [SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep,
            SecurityPolicy.Aes256_Sha256_RsaPss] : [SecurityPolicy.None],
        securityModes: secure ? [MessageSecurityMode.SignAndEncrypt] : [MessageSecurityMode.None],
        allowAnonymous: !secure,
        userManager: secure ? { isValidUser: (name, pass) => name === user && pass === password } : undefined,
        buildInfo: { productName: "S7-1500 lookalike (node-opcua)" },
    });
    await server.initialize();
    const space = server.engine.addressSpace;
    space.registerNamespace("urn:smarthall:peer:placeholder");
    const ns = space.registerNamespace("http://www.siemens.com/simatic-s7-opcua");
    const blocks = ns.addFolder(space.rootFolder.objects, { browseName: "DataBlocksGlobal", nodeId: "s=DataBlocksGlobal" });
    const line = ns.addObject({ organizedBy: blocks, browseName: "DB_Line", nodeId: 's="DB_Line"' });
    function variable(parent, name, nodeId, dataType, value, writable) {
        return ns.addVariable({
            componentOf: parent, browseName: name, nodeId, dataType, minimumSamplingInterval: 50,
            accessLevel: writable ? "CurrentRead | CurrentWrite" : "CurrentRead",
            userAccessLevel: writable ? "CurrentRead | CurrentWrite" : "CurrentRead",
            value: new Variant({ dataType, value }),
        });
    }
    const temperature = variable(line, "Temperature", 's="DB_Line"."Temperature"', DataType.Double, 20.0, false);
    const speed = variable(line, "Speed", 's="DB_Line"."Speed"', DataType.Int16, 0, true);
    variable(line, "Running", 's="DB_Line"."Running"', DataType.Boolean, false, true);
    const count = variable(line, "Count", 's="DB_Line"."Count"', DataType.UInt32, 0, false);
    const motor = ns.addObject({ componentOf: line, browseName: "Motor", nodeId: 's="DB_Line"."Motor"' });
    const drive = ns.addObject({ componentOf: motor, browseName: "Drive", nodeId: 's="DB_Line"."Motor"."Drive"' });
    variable(drive, "Current", 's="DB_Line"."Motor"."Drive"."Current"', DataType.Float, 1.5, false);

    const interfaces = ns.addFolder(space.rootFolder.objects, { browseName: "ServerInterfaces", nodeId: "s=ServerInterfaces" });
    const job = ns.addObject({ organizedBy: interfaces, browseName: "Job", nodeId: 's="Job"' });
    const setSpeed = ns.addMethod(job, {
        browseName: "SetSpeed", nodeId: 's="Job".SetSpeed',
        inputArguments: [{ name: "speed", dataType: DataType.Int16 }],
        outputArguments: [{ name: "previous", dataType: DataType.Int16 }],
    });
    setSpeed.bindMethod((inputs, context, callback) => {
        const previous = speed.readValue().value.value;
        speed.setValueFromSource(new Variant({ dataType: DataType.Int16, value: inputs[0].value }));
        callback(null, { statusCode: StatusCodes.Good,
            outputArguments: [{ dataType: DataType.Int16, value: previous }] });
    });

    let tick = 0;
    setInterval(() => {
        tick += 1;
        temperature.setValueFromSource(new Variant({ dataType: DataType.Double, value: 20 + 5 * Math.sin(tick / 10) }));
        count.setValueFromSource(new Variant({ dataType: DataType.UInt32, value: tick }));
    }, 100);
    await server.start();
    console.log(`ready opc.tcp://127.0.0.1:${server.endpoints[0].port}`);
    const stop = async () => { await server.shutdown(0); process.exit(0); };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}

main().catch((err) => { console.error(err); process.exit(1); });
