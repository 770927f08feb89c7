// Read by vite-plugin-svelte and svelte-check: every component uses runes ($state, $props, …).
export default {
  compilerOptions: { runes: true },
};
