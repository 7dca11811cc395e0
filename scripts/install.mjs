// Run by npm after installing the package (`postinstall`): records the Node.js
// binary that installed eksfit in dist/eksfit.node, so bin/eksfit finds it
// where PATH does not lead to it (Helm 4 starts plugins with an empty
// environment; nvm, fnm, volta, asdf and Homebrew keep node off the default
// path). bin/eksfit checks the path before use and falls back to PATH. Never
// fails the installation.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

try {
  const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, 'eksfit.node'), `${realpathSync(process.execPath)}\n`);
} catch (e) {
  console.warn(`eksfit: could not record the path of node (bin/eksfit will look on PATH): ${e.message}`);
}
