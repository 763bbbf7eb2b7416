import type { FastifyInstance } from 'fastify';

export async function profilesRoutes(_app: FastifyInstance) {}
