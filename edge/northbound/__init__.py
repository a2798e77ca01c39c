"""The northbound OPC UA server: the running edge agent's line for SCADA, HMIs and UaExpert.

Modules, each with one job: `settings` (the line file's ``[northbound]`` table),
`space` (Line / Station objects, a variable per tag with EngineeringUnits and
EURange, the devices' methods), `status` (quality and reason as a status code),
`units` (UNECE units), `publisher` (values into the address space, batched, off
the scan's path, through `batches`), `conditions` (alarms as A&C events), `health`
(each connection's health as variables), `identity` and `security` (who signs in, how),
`server` (NorthboundServer, what the agent starts and stops),
`_asyncua` (the only use of asyncua's private server internals).

Importing the package loads no asyncua: the line file's reader needs only `settings`;
the agent imports `server` when it starts serving.
"""
