// The baseline of the page benchmark: a bare Fastify route answering a small HTML string, with
// no plugin, no database and no template. It runs as its own process (started by bench/pages.ts),
// like the real server, so it does not share an event loop with the load generator.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? '0');
const html = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Baseline</title></head><body><p>Hello</p></body></html>';

const app = Fastify({ logger: false });
app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));

const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

// Only ever the loopback interface: this is a measuring device, not a service.
await app.listen({ port, host: '127.0.0.1' });
