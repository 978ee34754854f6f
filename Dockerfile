# syntax=docker/dockerfile:1
# fleetwatch image: compiled JavaScript (dist/) on Node.js 22 LTS, production
# dependencies only; no TypeScript compiler, no sources, no tests. docs/deploy.md lists
# what it ships and what it weighs.

# --- build: all dependencies, compile src/ into dist/ -----------------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
# The context has no .git: pass the commit for `fleetwatch --version` and build_info,
# e.g. --build-arg FLEETWATCH_COMMIT=$(git rev-parse --short=12 HEAD).
ARG FLEETWATCH_COMMIT=""
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && FLEETWATCH_COMMIT="$FLEETWATCH_COMMIT" node scripts/build.mjs

# --- deps: production node_modules only -----------------------------------------------
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build, which needs the dev dependencies.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime ------------------------------------------------------------------------
FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The image's `node` user (uid 1000), matching runAsUser in deploy/k8s.
USER node
ENTRYPOINT ["bin/fleetwatch"]
CMD ["--help"]
