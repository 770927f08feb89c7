/**
 * The rooms of the design (ARCHITECTURE.md), checked on every `npm test` (`npm run check:layers`):
 *  - the renderer sees only the contract: app/api/types.ts, wire.ts, lttb.ts, client.ts and app/domain;
 *  - app/ never imports electron, renderer/ or main/ (one entry point excepted, see below);
 *  - app/domain imports nothing but itself (the renderer bundles it);
 *  - lower layers never import upper ones (LAYERS, bottom first);
 *  - no import cycle, type-only imports included (tsPreCompilationDeps).
 */

/** Bottom first: a module may import its own layer and those below it, never one above. */
const LAYERS = [
  ['domain', '^app/(domain|platform|types)/|^app/validation\\.ts$'],
  ['engine', '^app/(engine|jobs)/'],
  ['models and optimizers', '^app/(models|optim)/'],
  ['data', '^app/data/'],
  ['training', '^app/training/'],
  ['store', '^app/store/'],
  ['runs, queue, analysis and export', '^app/(runs|queue|analysis|export)/'],
  ['api', '^app/api/'],
  ['cli and shells', '^app/cli/|^main/'],
];

const layerRules = LAYERS.slice(0, -1).map(([name, path], index) => ({
  name: `layer-${name.replace(/[^a-z]+/g, '-')}`,
  comment: `${name} must not import a layer above it (${LAYERS.slice(index + 1).map(([above]) => above).join(', ')})`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(index + 1).map(([, above]) => `(${above})`).join('|') },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle (type-only ones count: they still tie the modules together)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'renderer-sees-only-the-contract',
      comment: 'The renderer talks to app/ through the StudioApi contract and the domain vocabulary only',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^(app|main)/', pathNot: '^app/api/(types|wire|lttb|client)\\.ts$|^app/domain/' },
    },
    {
      name: 'renderer-no-node',
      comment: 'The renderer runs in a browser sandbox: no Node built-ins',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'app-not-electron-or-renderer',
      comment: 'app/ runs without Electron (CLI, web shell, tests) and never reaches into the renderer',
      severity: 'error',
      from: { path: '^app/' },
      to: { path: '^renderer/|(^|/)node_modules/electron/' },
    },
    {
      name: 'app-not-main',
      comment:
        'app/ is below main/. The one exception is the CLI entry point app/cli/main.ts, the composition root of the ' +
        '`fsam-studio` binary, which loads the web shell for `fsam-studio serve` (main/web builds on app/cli/session)',
      severity: 'error',
      from: { path: '^app/', pathNot: '^app/cli/main\\.ts$' },
      to: { path: '^main/' },
    },
    {
      name: 'domain-imports-only-domain',
      comment: 'app/domain is the bottom: plain types and constants the renderer bundles, importing nothing else',
      severity: 'error',
      from: { path: '^app/domain/' },
      to: { pathNot: '^app/domain/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(build|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.svelte'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
