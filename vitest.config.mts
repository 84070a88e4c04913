import { defineConfig } from "vitest/config";

// `npm test`: no root, no network. The namespace suite has its own config (vitest.dataplane.config.mts).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/dataplane/**", "node_modules/**"],
    testTimeout: 30_000,
  },
});
