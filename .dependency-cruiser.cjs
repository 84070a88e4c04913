/* global module */
// Which folder may import which (docs/development.md, "Dependency rules"). Rules are by folder,
// so files can move inside a folder freely. Checked by `npm test` (test/dependencies.test.ts) and
// `npm run lint:deps`. npm packages and Node built-ins are not restricted here.

/** Every file of the project, so "imports no project folder" can be said once. */
const project = "^(index[.]ts$|components/|lib/|scripts/|test/|policy/)";

/** A rule: files under `from` may import project files only under `allowed` (and their own folder). */
function onlyImports(name, comment, from, allowed) {
  return {
    name,
    comment,
    severity: "error",
    from: { path: from },
    to: { path: project, pathNot: `^(${allowed.join("|")})` },
  };
}

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "A cycle makes load order matter and the pieces impossible to understand alone.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    onlyImports("net-is-a-leaf", "lib/net (parsers of kernel output) imports no project folder.", "^lib/net/", ["lib/net/"]),
    onlyImports(
      "config-is-the-ground-floor",
      "lib/config is the config contract: npm libraries only, no other project folder.",
      "^lib/config/",
      ["lib/config/"],
    ),
    onlyImports(
      "build-imports-only-config",
      "lib/build turns config into objects: pure, on top of lib/config only.",
      "^lib/build/",
      ["lib/build/", "lib/config/"],
    ),
    onlyImports(
      "verify-is-pure",
      "lib/verify judges snapshots: no Kubernetes client, no files, no render, no components.",
      "^lib/verify/",
      ["lib/verify/", "lib/config/", "lib/build/", "lib/net/"],
    ),
    onlyImports(
      "kube-imports-pure-modules",
      "lib/kube is the Kubernetes client: it reads what lib/verify judges, nothing above it.",
      "^lib/kube/",
      ["lib/kube/", "lib/config/", "lib/verify/", "lib/build/", "lib/net/"],
    ),
    onlyImports(
      "render-imports-pure-modules",
      "lib/render (render, mock runtime) gets the program from its caller, never imports it.",
      "^lib/render/",
      ["lib/render/", "lib/config/", "lib/net/", "lib/build/"],
    ),
    onlyImports("files-imports-only-config", "lib/files reads stack files; only the contract above it.", "^lib/files/", [
      "lib/files/",
      "lib/config/",
    ]),
    onlyImports(
      "hooks-import-pure-modules",
      "lib/hooks holds what the engine calls back during a deploy (they may start the verifier): pure modules below it only.",
      "^lib/hooks/",
      ["lib/hooks/", "lib/config/", "lib/verify/"],
    ),
    onlyImports(
      "components-import-pure-modules",
      "Components stay thin: command lines and report parsing come from pure modules, engine callbacks from lib/hooks; no I/O.",
      "^components/",
      ["components/", "lib/config/", "lib/build/", "lib/verify/", "lib/hooks/"],
    ),
    onlyImports(
      "index-wires-components",
      "index.ts validates the config and wires components, nothing else.",
      "^index[.]ts$",
      ["components/", "lib/config/"],
    ),
    onlyImports(
      "policy-is-self-contained",
      "The policy pack is published on its own, so it imports nothing outside policy/.",
      "^policy/",
      ["policy/"],
    ),
    {
      name: "nothing-imports-scripts",
      comment: "scripts/ are command lines on top; only tests may import them.",
      severity: "error",
      from: { pathNot: "^test/" },
      to: { path: "^scripts/" },
    },
    {
      name: "nothing-imports-tests",
      comment: "Only tests import test code (helpers, fixtures).",
      severity: "error",
      from: { pathNot: "^test/" },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/|^dist/" },
    // `import type` counts: a type from a forbidden folder is a dependency on it.
    tsPreCompilationDeps: true,
  },
};
