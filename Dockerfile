# Entraide image. The server is TypeScript run directly by Node (type stripping, Node >= 22.6):
# there is no build step, the image's own Node 24 runs server/main.ts.
#
#   docker build -t entraide .
#   docker run -p 3000:3000 -v entraide-data:/data entraide          # embedded PGlite in /data
#   docker run -p 3000:3000 -e DATABASE_URL=postgres://… entraide     # or a Postgres server
#
# For a reproducible build, pin the base image by digest (node:24-bookworm-slim@sha256:…).
ARG NODE_IMAGE=node:24-bookworm-slim

# --- dependencies: production only --------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev leaves out the `node` devDependency (the runtime pin used in development: the image
# has its own Node 24) and the test/bench tools. No production dependency needs an install script;
# the argon2 binding comes prebuilt as a platform package from the lockfile.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="Entraide" \
      org.opencontainers.image.description="Self-hosted social network for solidarity collectives" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later"

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY server ./server
COPY migrations ./migrations
COPY views ./views
COPY static ./static

# The embedded database lives in /data (unused when DATABASE_URL points at Postgres). The folder
# is created owned by the unprivileged `node` user of the base image before it becomes a volume,
# so a fresh named volume inherits that ownership.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

# Application files stay owned by root: the server process can read them, not change them.
USER node
EXPOSE 3000

# slim has no curl: Node's own fetch asks /healthz (200 when the database answers, 503 otherwise).
# The start period leaves time for the first start, when PGlite creates its database.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]

# node is PID 1 and handles SIGTERM itself (server/main.ts: stops accepting, closes the database
# and its lock, force-exits after 10 s).
STOPSIGNAL SIGTERM
CMD ["node", "server/main.ts"]
