// The bare server of `npm run bench:webhook`: Node.js HTTPS that reads the
// AdmissionReview, parses it and allows the Pod unchanged; the least any
// webhook does. Same options as `eksfit webhook` for the ones it needs.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const server = createServer(
  { cert: readFileSync(arg('--cert')), key: readFileSync(arg('--key')), keepAliveTimeout: 120_000 },
  (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let uid = '';
      try {
        uid = JSON.parse(Buffer.concat(chunks).toString()).request.uid;
      } catch {
        res.writeHead(400).end();
        return;
      }
      const body = JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid, allowed: true },
      });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  },
);
server.listen(Number(arg('--port', '8443')), arg('--address', '127.0.0.1'), () => {
  process.stderr.write(JSON.stringify({ msg: 'listening', port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
