# syntax=docker/dockerfile:1.7
# Every service image, from the repository root: the build argument PACKAGE names the workspace
# package, and the video worker's image adds Chromium with OS=os-video. For example:
#   docker build --build-arg PACKAGE=@poc/pocs -t poc-tracker/pocs:$(git rev-parse --short HEAD) .
#   docker build --build-arg PACKAGE=@poc/video --build-arg OS=os-video -t poc-tracker/video:$(git rev-parse --short HEAD) .
# Stages: deps (the workspace, installed from the lockfile) → bundle (only PACKAGE and its
# production dependencies, via pnpm deploy) → service (node, the bundle, a non-root user) on the
# operating-system layer OS (os; os-video has Chromium's headless shell and fonts). BuildKit builds only the stages
# the image needs. Services ship TypeScript source and run it with tsx, a runtime dependency: no
# build step.

ARG NODE_IMAGE=node:22-bookworm-slim
ARG OS=os

FROM ${NODE_IMAGE} AS deps
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0 CI=true
RUN corepack enable
WORKDIR /repo
# The lockfile first: this layer is reused until a dependency changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store pnpm fetch --prod
COPY . .

FROM deps AS bundle
ARG PACKAGE
RUN test -n "$PACKAGE" || { echo 'build with --build-arg PACKAGE=@poc/<service>' >&2; exit 1; }
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store \
    pnpm --filter "$PACKAGE" deploy --prod --offline --legacy /out \
 && rm -rf /out/test && find /out -path /out/node_modules -prune -o -name '*.test.ts' -exec rm -f {} +

FROM ${NODE_IMAGE} AS os
ENV NODE_ENV=production PORT=8080 HOME=/tmp
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --home-dir /tmp --shell /usr/sbin/nologin app

FROM os AS os-video
# Remotion renders in Chromium's headless shell (the old headless mode: less CPU per frame than the
# full browser, and a smaller image) with fonts for Latin, CJK and emoji text.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium-headless-shell fonts-liberation2 fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV VIDEO_BROWSER_EXECUTABLE=/usr/bin/chromium-headless-shell

FROM ${OS} AS service
WORKDIR /app
# Owned by root and read-only for the app user: the pod runs with a read-only root filesystem.
COPY --from=bundle /out ./
USER 10001:10001
EXPOSE 8080
# Kubernetes probes /health/live and /health/ready; this is for plain docker runs.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly (not pnpm, not a shell) so SIGTERM reaches the server for a graceful drain.
CMD ["node", "--import", "tsx", "src/server.ts"]
