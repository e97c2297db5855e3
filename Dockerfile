# kindling: the coordinator, worker, operator and generator in one image.
#
#   docker build -t kindling:dev .
#   node scripts/image.mjs build        # here: podman, on a base made with debootstrap (no image pulls)
#
# Pods set the command: ["kindling", "worker", ...], ["kindling", "coordinator"],
# ["kindling", "operator"], ["kindling", "generate", ...]. The image runs as a non-root numeric
# user and writes nothing outside /tmp, so a read-only root filesystem with an emptyDir on /tmp works.

# Any image with Node.js >= 20 (node, npm on PATH) and /bin/sh.
ARG BASE_IMAGE=docker.io/library/node:20-bookworm-slim

# ---- production dependencies only (depends on the lockfile alone: cached until it changes)
FROM ${BASE_IMAGE} AS deps
ARG NPM_REGISTRY=https://registry.npmjs.org/
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts skips `prepare` (tsc: not installed in this stage, and the sources come later);
# no dependency has an install script. The npm cache is a build cache mount shared by both stages.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund --registry="$NPM_REGISTRY"

# ---- compile the TypeScript (all dependencies; only src/ is compiled, not the tests or benches)
FROM ${BASE_IMAGE} AS build
ARG NPM_REGISTRY=https://registry.npmjs.org/
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund --registry="$NPM_REGISTRY"
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# ---- runtime
FROM ${BASE_IMAGE}
ENV NODE_ENV=production \
    HOME=/tmp \
    TMPDIR=/tmp
WORKDIR /app
# `kindling` on PATH: a symlink to the launcher (node resolves it to /app/bin, whose ../dist it loads).
RUN ln -s /app/bin/kindling.js /usr/local/bin/kindling
COPY package.json ./
COPY --from=deps /src/node_modules ./node_modules
COPY bin ./bin
COPY --from=build /src/dist/src ./dist/src
# Everything above is owned by root and read-only to the runtime user.
USER 10001:10001
ENTRYPOINT ["kindling"]
CMD ["--help"]
