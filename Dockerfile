# syntax=docker/dockerfile:1
# gradserve: the native addon and the TypeScript are built in `builder`
# (compiler, libopenblas-dev); `runtime` gets the compiled addon, dist/ and the
# production node_modules only (no compiler, no headers) and runs as non-root.

ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Manifests first so the dependency layer is cached across source edits.
COPY package.json package-lock.json binding.gyp tsconfig.json tsconfig.build.json ./
COPY tools ./tools
COPY native ./native
COPY src ./src
# `npm ci` runs node-gyp (install script: build/Release/gradserve.node, OpenBLAS
# linked because libopenblas-dev is present) and tsc (prepare script: dist/).
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund \
 && node -e "require('./build/Release/gradserve.node')" \
 && rm -rf build/Release/obj.target build/Release/.deps

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# libopenblas0: the shared library the addon links against (no headers).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    LOG_LEVEL=info
WORKDIR /app
COPY --from=builder --chown=root:root /src/package.json ./
COPY --from=builder --chown=root:root /src/node_modules ./node_modules
COPY --from=builder --chown=root:root /src/dist ./dist
COPY --from=builder --chown=root:root /src/build/Release/gradserve.node ./build/Release/gradserve.node
# The image's files belong to root and are read-only for the service user.
USER node
EXPOSE 8080
# The image has no curl: Node's fetch checks liveness (GET /healthz).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node as PID 1 would ignore SIGTERM without a handler; src/serve.ts has one
# (close: stop accepting, finish in-flight jobs, stop the workers), and with
# PROCESSES > 1 the cluster primary (src/cluster.ts) forwards it to each
# process. --init (compose: init: true) reaps zombies.
STOPSIGNAL SIGTERM
CMD ["node", "--single-threaded-gc", "dist/server.js"]
