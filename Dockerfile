# The eksfit image: Node.js and the one-file bundle (dist/eksfit.mjs), nothing else.
# Used by deploy/chart (`eksfit webhook`); works as a KRM function image too.
#
#   docker build -t <your registry>/eksfit:0.1.0 .
#   docker push <your registry>/eksfit:0.1.0
#
# Not built in this repository's tests (no container runtime there); see the README.

# ---- build: install from the lock file and bundle
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY schema ./schema
COPY scripts ./scripts
COPY src ./src
# The start-up snapshot it also tries to make is not copied: a server starts once.
RUN node scripts/build.mjs && node dist/eksfit.mjs --version

# ---- run: Node.js without npm, the bundle, a user that is not root
FROM node:20-bookworm-slim
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
      /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
    && node --version
COPY --from=build /src/dist/eksfit.mjs /app/eksfit.mjs
# Nothing is written at run time: the root file system can be read-only.
USER 65532:65532
ENV NODE_ENV=production
EXPOSE 8443
ENTRYPOINT ["node", "/app/eksfit.mjs"]
CMD ["--help"]
