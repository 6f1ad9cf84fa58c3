// One test workspace: every package with a vitest.config.ts is a named project.
export default ['services/*/vitest.config.ts', '*/vitest.config.ts'];
