// Drives the WaveSpeed emulator with WaveSpeed's official JavaScript SDK, unchanged, and prints
// one JSON line per check for OfficialSdkIT to assert on. Usage: node official-sdk-check.mjs <image.png>
import { Client } from 'wavespeed';

const model = 'wavespeed-ai/flux-1-srpo/image-to-image';
const client = new Client(process.env.WAVESPEED_API_KEY, { baseUrl: process.env.WAVESPEED_BASE_URL });
const report = (check, result) => console.log(JSON.stringify({ check, ...result }));

const image = await client.upload(process.argv[2]);
report('upload', { url: image });

const output = await client.run(model, { prompt: 'restore detail', image, seed: 7 }, { pollInterval: 0.2 });
report('run', { outputs: output.outputs });

const sync = await client.run(model, { prompt: 'restore detail', image, seed: 7 }, { enableSyncMode: true });
report('sync', { outputs: sync.outputs });

const failed = await client.runNoThrow(model, { prompt: 'restore detail', image: image + '.missing' },
    { pollInterval: 0.2 });
report('failure', { outputs: failed.outputs ?? null, error: failed.detail.error?.constructor?.name ?? null,
    taskId: failed.detail.taskId });
