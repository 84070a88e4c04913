// `npm run prerender`: builds what `npm run render` runs (docs/render.md, "Speed"):
// - dist/render.js, scripts/render.ts bundled with every dependency (no module resolution at
//   start-up) and lib/render/recorder in place of the Pulumi SDKs and the mock runtime
//   (lib/render/recorder/redirects.json);
// - dist/render.blob, a V8 startup snapshot of it with every module loaded (`node --snapshot-blob
//   dist/render.blob dist/render.js` skips compiling and loading them). A snapshot only loads in the
//   node binary that built it, with the same V8 flags (node exits 14 otherwise), so the node version
//   and NODE_OPTIONS are part of what makes it current; the build inherits NODE_OPTIONS.
// Nothing is rebuilt while the sources, the redirects, the node version and NODE_OPTIONS are
// unchanged. Plain JavaScript, so it starts in plain node before every render.
import { execFileSync } from "node:child_process";
import process from "node:process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = (file) => path.join(root, "dist", file);
const redirectsFile = path.join(root, "lib/render/recorder/redirects.json");
const redirects = JSON.parse(readFileSync(redirectsFile, "utf8"));
const stampFile = dist("render.inputs.json");
const nodeOptions = process.env.NODE_OPTIONS ?? "";

/** Resolves each redirected import to its stand-in; any other Pulumi import fails the build. */
const recorder = {
  name: "recorder",
  setup(bundle) {
    bundle.onResolve({ filter: /^@pulumi\/|mockRuntime$/ }, (args) => {
      const key = args.path.startsWith("@pulumi/") ? args.path : path.relative(root, path.resolve(args.resolveDir, args.path));
      if (redirects[key]) return { path: path.join(root, redirects[key]) };
      if (args.path.startsWith("@pulumi/")) return { errors: [{ text: `${args.path} has no stand-in in lib/render/recorder/redirects.json` }] };
      return undefined;
    });
  },
};

/** True when the last build used this node and V8 flags and no input changed since. */
function current() {
  if (!existsSync(stampFile) || !existsSync(dist("render.blob"))) return false;
  const stamp = JSON.parse(readFileSync(stampFile, "utf8"));
  const built = statSync(dist("render.blob")).mtimeMs;
  const files = [...stamp.inputs, "lib/render/recorder/redirects.json", "scripts/build-render.mjs", "package-lock.json"];
  return stamp.node === process.version && stamp.nodeOptions === nodeOptions
    && files.every((file) => existsSync(path.join(root, file)) && statSync(path.join(root, file)).mtimeMs < built);
}

if (!current()) {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [path.join(root, "scripts/render.ts")],
    outfile: dist("render.js"),
    bundle: true,
    platform: "node",
    target: "node20",
    minify: true,
    absWorkingDir: root,
    metafile: true,
    plugins: [recorder],
    logLevel: "warning",
  });
  execFileSync(process.execPath, ["--snapshot-blob", dist("render.blob"), "--build-snapshot", dist("render.js")], { stdio: "inherit", timeout: 60_000 });
  writeFileSync(stampFile, JSON.stringify({ node: process.version, nodeOptions, inputs: Object.keys(result.metafile.inputs) }, null, 2));
}
