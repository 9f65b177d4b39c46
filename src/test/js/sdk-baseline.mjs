// The baseline EngineBenchmark compares the worker with: a plain script on WaveSpeed's official SDK that takes
// job requests from RabbitMQ, 50 at a time, runs each with run() (submit, then poll until done), copies the
// output into S3 and publishes a completion message. No database, no retries, no guarantees.
// It exits once JOBS jobs are done and prints one JSON line: jobs, seconds from the first message to the last
// completion, and its own CPU (user + system) in milliseconds.
import amqp from 'amqplib';
import { Client } from 'wavespeed';

const { AMQP_URL, REQUESTS, COMPLETIONS, S3_URL, WAVESPEED_API_KEY, WAVESPEED_BASE_URL } = process.env;
const jobs = Number(process.env.JOBS);
const model = 'wavespeed-ai/flux-1-srpo/image-to-image';
const client = new Client(WAVESPEED_API_KEY, { baseUrl: WAVESPEED_BASE_URL });
const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createConfirmChannel();
await channel.assertQueue(COMPLETIONS);
await channel.prefetch(50);
const cpuAtStart = process.cpuUsage();
let firstMessageAt;
let done = 0;

// s3://bucket/key, as job requests name their sources, on the S3 stand-in, which checks no signatures
const httpUrl = (s3Url) => `${S3_URL}/${s3Url.slice('s3://'.length)}`;

await channel.consume(REQUESTS, async (message) => {
  firstMessageAt ??= process.hrtime.bigint();
  const job = JSON.parse(message.content.toString());
  const result = await client.run(model, { prompt: job.input.prompt, image: httpUrl(job.input.image) });
  const output = await fetch(result.outputs[0]);
  const stored = await fetch(`${S3_URL}/enhanced/sdk/${job.job_id}/0.jpeg`, {
    method: 'PUT', body: Buffer.from(await output.arrayBuffer()), headers: { 'content-type': 'image/jpeg' },
  });
  if (!stored.ok) {
    throw new Error(`S3 answered ${stored.status}`);
  }
  channel.sendToQueue(COMPLETIONS, Buffer.from(JSON.stringify({ job_id: job.job_id, outputs: result.outputs })));
  await channel.waitForConfirms();
  channel.ack(message);
  if (++done === jobs) {
    const cpu = process.cpuUsage(cpuAtStart);
    const seconds = Number(process.hrtime.bigint() - firstMessageAt) / 1e9;
    console.log(JSON.stringify({ check: 'done', jobs: done, seconds, cpu_ms: (cpu.user + cpu.system) / 1000 }));
    await connection.close();
    process.exit(0);
  }
});
