// Set-up of the jest project `gateway-sharded`: every system its suites start runs FANOUT_MODE=sharded
// (testing/src/system.ts passes it to the gateways); suites read it to assert what differs.
process.env.TEST_FANOUT_MODE = 'sharded';
