import { defineConfig } from "vitest/config";

// `npm run test:dataplane`: the namespace suite (root, reference CNI plugins, iproute2). Files share
// the kernel's namespace table and plugin state, so they run one at a time.
export default defineConfig({
  test: {
    include: ["test/dataplane/**/*.dataplane.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
