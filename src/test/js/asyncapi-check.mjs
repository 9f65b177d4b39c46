// Parses the AsyncAPI document with the official parser (@asyncapi/parser) and prints one JSON line per check.
import { Parser, fromFile } from '@asyncapi/parser';

const { document, diagnostics } = await fromFile(new Parser(), process.argv[2]).parse();
// severity 0 is an error; the others are hints (such as "a newer AsyncAPI version exists")
const errors = diagnostics.filter(d => d.severity === 0).map(d => `${d.code} ${d.message} at ${d.path.join('.')}`);
console.log(JSON.stringify({ check: 'parse', parsed: document !== undefined, errors }));
for (const channel of document ? document.channels().all() : []) {
  for (const message of channel.messages().all()) {
    // a format without a registered parser (JSON Schema 2020-12) keeps its Multi Format wrapper, $refs resolved
    const payload = message.payload()?.json();
    const dataSchemaId = (payload?.schema ?? payload)?.allOf?.map(part => part.properties?.data?.$id).find(Boolean);
    console.log(JSON.stringify({
      check: channel.address(),
      message: message.id(),
      amqp: channel.bindings().get('amqp')?.json()?.is ?? null,
      exchange: channel.bindings().get('amqp')?.json()?.exchange?.name ?? null,
      dataSchemaId: dataSchemaId ?? null,
    }));
  }
}
