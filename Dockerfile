# Image of the mailu-k8s CLI, used by the chart for the DNS operator (`mailu-k8s operator`).
# Build: docker build -t ghcr.io/mailu-k8s/operator:0.1.0 .
# Two stages: the build stage compiles and bundles with the dev tools; the runtime stage holds
# only the bundle and the production dependencies, on a distroless Node 20 base running as
# the unprivileged user 65532 (no shell, no package manager).

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Scripts off: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
COPY examples ./examples
RUN node scripts/build.mjs \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/lib/bundle ./lib/bundle
COPY --from=build /src/bin ./bin
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/mailu-k8s.js"]
CMD ["operator", "--config", "/etc/mailu-k8s/config.yaml"]
