# StreamBot's image: `docker build -t streambot .`, or `docker compose up -d` with docker-compose.yml (MongoDB beside
# it). Configuration comes from the environment (README.md); the image sets none of the secrets.

# Build stage: better-sqlite3 and the addons (native/uws-front, native/ige) compile from source at `npm ci`, so this
# stage has a compiler; the final stage takes their built files only.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# node-gyp takes the headers of the node it builds for from the image rather than downloading them.
ENV npm_config_nodedir=/usr/local
# The addons are file: dependencies, so npm ci needs their sources before the rest of the app.
COPY package.json package-lock.json ./
COPY native/uws-front native/uws-front
COPY native/ige native/ige
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY actors actors
COPY src src
# The app runs compiled (dist/), so no TypeScript loader sits in the process or its session workers; then typescript,
# pm2 and the test tools go.
RUN npm run build
RUN npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# node_modules/uws-front and node_modules/streambot-ige are links to native/uws-front and native/ige, whose build/
# holds the compiled addon.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/native/uws-front native/uws-front
COPY --from=build /app/native/ige native/ige
COPY --from=build /app/dist dist
# The code stays root's; only DATA_DIR (SQLite and local state) is the app's to write.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
USER node
EXPOSE 8080
# No curl in slim images: node's own fetch. 503 once no session could serve for HEALTH_NO_SESSION_SECONDS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# What `npm start` runs (the compiled app), as one process: npm would stand between Docker's SIGTERM and StreamBot's
# graceful shutdown.
CMD ["node", "dist/src/main.js"]
