// One test workspace: every package is a named project (see each package's vitest.config.ts).
export default ['services/*', 'contracts', 'projections', 'cdk', 'charts', 'mobile-native'];
