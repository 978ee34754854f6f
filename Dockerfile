# syntax=docker/dockerfile:1
# fleetwatch runs its TypeScript through tsx, as in development and the tests: no build
# step, one code path (docs/deploy.md says why and what a precompiled image would save).

# --- deps: production node_modules only (tsx is a runtime dependency) -------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
# The image's `node` user (uid 1000), matching runAsUser in deploy/k8s.
USER node
ENTRYPOINT ["bin/fleetwatch"]
CMD ["--help"]
