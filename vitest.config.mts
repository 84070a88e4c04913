import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// `npm test`: no root, no network. The namespace suite has its own config (vitest.dataplane.config.mts).
export default defineConfig({
  test: {
    // One worker per core, not vitest's cores - 1: much of the suite waits (subprocesses, loopback
    // servers, poll intervals), and on 2 cores the default is a single worker.
    maxWorkers: availableParallelism(),
    // Files share a worker's module cache instead of each loading the Pulumi SDK, the Kubernetes
    // client and the program anew (a third of the suite's time went to imports). No file relies on
    // a fresh module state: the suite passes with the file order shuffled (--sequence.shuffle.files).
    isolate: false,
    // Bundles scripts/verify.ts once for the tests that run it as a process (test/helpers/verifyBundle.ts).
    globalSetup: ["test/helpers/verifyBundle.ts"],
    include: ["test/**/*.test.ts"],
    exclude: ["test/dataplane/**", "node_modules/**"],
    testTimeout: 30_000,
  },
});
