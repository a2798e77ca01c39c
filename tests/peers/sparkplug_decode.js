// Decodes Sparkplug B payloads with Eclipse Tahu's sparkplug-payload (a third-party decoder for the tests).
// stdin: one base64 payload a line; stdout: one JSON object a line (64-bit integers as strings).
"use strict";
const sparkplug = require("sparkplug-payload").get("spBv1.0");
const readline = require("readline");

const plain = (key, value) => (value !== null && typeof value === "object" && value.low !== undefined
    && value.high !== undefined && value.unsigned !== undefined) ? value.toString() : value;

readline.createInterface({ input: process.stdin }).on("line", (line) => {
    const decoded = sparkplug.decodePayload(Buffer.from(line, "base64"));
    process.stdout.write(JSON.stringify(decoded, plain) + "\n");
});
