import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    setupFiles: ['test/harness/setup-file.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: test files share the real servers; more parallel files only contend.
    maxWorkers: 2,
    // Node 20 is this project's fixed runtime; the AWS SDK's reminder about Node 22 is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
