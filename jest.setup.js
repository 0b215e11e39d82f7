// Every backend a test starts — in-process or as a child process, which inherits this — checks each
// answer against the published OpenAPI document (src/backend/http/contract-check.ts).
process.env.VM_CHECK_CONTRACT = '1';
