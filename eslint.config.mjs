import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Deep imports only: the barrel costs ~6 s and ~750 MB per process.
const barrel = {
  name: "@cdktf/provider-aws",
  message: "Use deep imports: @cdktf/provider-aws/lib/<resource>",
};
const infra = ["cdktf", "cdktf/*", "constructs", "@cdktf/*"];

/**
 * The layout's import boundaries, one `no-restricted-imports` per kind of code (a later block
 * replaces the rule of an earlier one for the same files, so each repeats the barrel ban):
 * - constructs/contract/: plain TypeScript that everyone may import — no cdktf, nothing outside it;
 * - constructs/lambdas/<name>/: runtime code — the contract, node:*, the AWS SDK, nothing else of ours;
 * - constructs/: infrastructure — never scripts/;
 * - scripts/, bench/: the CLIs and tools — of constructs/ only the contract.
 */
const restrict = (patterns) => ({ "no-restricted-imports": ["error", { paths: [barrel], patterns }] });

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "cdktf.out/",
      ".venv/",
      ".venv-*/",
      "coverage/",
      "demo-output/",
      "build/",
      ".gen/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      ...restrict([]),
    },
  },
  {
    files: ["constructs/**/*.ts"],
    rules: restrict([
      {
        regex: "(^|/)scripts(/|$)",
        message: "constructs/ never imports scripts/ (scripts may import the contract)",
      },
    ]),
  },
  {
    files: ["constructs/lambdas/**/*.ts"],
    rules: restrict([
      { group: infra, message: "Lambda runtime code imports no cdktf/constructs" },
      {
        regex: "^\\.\\./\\.\\./(?!contract/)",
        message: "Lambda runtime code imports only constructs/contract/, node:* and the AWS SDK",
      },
      {
        regex: "^\\.\\./(?!\\.\\./)",
        message: "one Lambda does not import another's code; share it via constructs/contract/",
      },
      { regex: "(^|/)scripts(/|$)", message: "Lambda runtime code never imports scripts/" },
    ]),
  },
  {
    files: ["constructs/contract/**/*.ts"],
    rules: restrict([
      { group: infra, message: "the contract module is plain TypeScript: no cdktf/constructs" },
      { regex: "^\\.\\./", message: "the contract module imports nothing outside constructs/contract/" },
    ]),
  },
  {
    files: ["scripts/**/*.ts", "bench/**/*.ts"],
    rules: restrict([
      {
        regex: "(^|/)constructs/(?!contract/)",
        message:
          "scripts/ imports only constructs/contract/ (the infrastructure is not a library for the CLIs)",
      },
    ]),
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    languageOptions: {
      globals: {
        require: "readonly",
        module: "writable",
        process: "readonly",
        console: "readonly",
        __dirname: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
