// The database baseline of bench/wall-and-post.ts: a bare Fastify route that runs one
// `select 1` on the same Postgres per request, through a pg Pool sized like the server's (10).
// No plugin, no template: what a page costs beyond "one round trip to Postgres" is what the
// page benchmark shows. Started as its own process, on the loopback interface only.
import Fastify from 'fastify';
import pg from 'pg';

const port = Number(process.env.PORT ?? '0');
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('DATABASE_URL is required');
  process.exit(1);
}

const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.POOL_MAX ?? '10') });
pool.on('error', () => {});

const app = Fastify({ logger: false });
app.get('/', async (_request, reply) => {
  const { rows } = await pool.query<{ one: number }>('select 1 as one');
  return reply.type('text/plain; charset=utf-8').send(`ok ${rows[0]!.one}`);
});

const stop = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

await app.listen({ port, host: '127.0.0.1' });
