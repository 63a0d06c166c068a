# Image for the ticketing services (one image, five services: users, events,
# bookings, notifications and the web edge). docker-compose.yml picks the service with `command:`.
# Node 24 runs the TypeScript sources directly (type stripping), so there is no
# build step; the deps stage has a C/C++ toolchain in case a native addon
# (e.g. bcrypt) has no prebuilt binary for the platform.

FROM node:24-slim AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# workspaces need every package.json before `npm ci`; .dockerignore keeps
# node_modules, .infra, .tools and .git out of the context
COPY . .
# the web app is built here (Vite is a dev dependency), then dev dependencies are dropped
RUN npm ci --no-audit --no-fund \
 && node -e "import('./services/web/src/build.ts').then((m) => m.ensureWebBuild(console.log))" \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=node:node /app /app
USER node
EXPOSE 8080 8081 8082 8083 8084
# overridden per service in docker-compose.yml, e.g. ["npm","run","start:events"]
CMD ["npm", "run", "start:users"]
