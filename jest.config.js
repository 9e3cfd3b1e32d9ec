/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.(t|j)sx?$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  // Each worker synthesises stacks; two workers fit the 2-core CI machine.
  maxWorkers: 2,
  testTimeout: 120000,
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
};
