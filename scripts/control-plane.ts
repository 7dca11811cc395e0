// `npm run control-plane`: starts the tests' control plane (etcd + kube-apiserver from
// .tools/bin, see test/helpers/controlplane.ts) by hand, prints how to point kubectl at
// it, and runs until Ctrl-C (or SIGTERM), which stops it and removes its temp folder.
import { startControlPlane } from '../test/helpers/controlplane.ts';

const t0 = Date.now();
process.stderr.write('control plane: starting etcd and kube-apiserver...\n');
try {
  const cp = await startControlPlane();
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  process.stdout.write(
    [
      `control plane: ready in ${secs} s at ${cp.server} (data and logs in ${cp.dir})`,
      'point kubectl at it with either of:',
      `  export KUBECONFIG=${cp.kubeconfig}`,
      `  kubectl ${cp.kubectlFlags.join(' ')} get namespaces`,
      'Ctrl-C stops it and removes the folder.',
      '',
    ].join('\n'),
  );
  // Runs until a signal; the helper's exit hook stops both processes.
  setInterval(() => {}, 1 << 30);
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
}
