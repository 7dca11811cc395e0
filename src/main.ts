/** Entry of the bundle: runs the CLI on this process's streams. */
import { run } from './cli.ts';

process.exitCode = await run();
