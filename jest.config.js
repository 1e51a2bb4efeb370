// Jest in ESM mode (as actions/typescript-action does): ts-jest transpiles, `tsc -b` type-checks.
// Two projects: `unit` (pure code, fast) and `e2e` (real registry, Docker engine, signed modules).
const shared = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@talos-kmod/pipeline/contracts$': '<rootDir>/packages/pipeline/src/contracts.ts',
    '^@talos-kmod/action-kit$': '<rootDir>/actions/action-kit/src/index.ts',
    '^@talos-kmod/([^/]+)$': '<rootDir>/packages/$1/src/index.ts',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
};

export default {
  maxWorkers: 2,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/packages/*/test/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/actions/*/test/**/*.test.ts'],
      slowTestThreshold: 60,
      // Builds run real make, kbuild and Docker: a longer bound than unit tests get.
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-e2e-setup.ts'],
    },
  ],
};
