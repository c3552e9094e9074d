# Container image of Converge: `converge serve` on the embedded store in /var/lib/converge.
#   docker build -t converge:0.1.0 .
#   docker run --init -p 6443:6443 -v converge-data:/var/lib/converge converge:0.1.0
# The Helm chart (charts/converge) runs this image with its own arguments (etcd store, kube mode, ...).
# --init (or Kubernetes, which reaps for us) gives PID 1 a reaper for the git processes GitOps sync starts.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 is compiled against the image's own Node headers (npm_config_nodedir) rather than a prebuilt
# binary, so the addon always matches the Node that runs it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /opt/converge
COPY package.json package-lock.json ./
# Scripts off: the root package's `prepare` would compile sources that are not copied yet; the one native
# addon is built explicitly instead.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY schemas ./schemas
COPY controllers ./controllers
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
# git (and ssh, CA certificates) for GitOps sources. Add e.g. libvirt-clients through EXTRA_PACKAGES for the
# libvirt driver, which drives virsh.
ARG EXTRA_PACKAGES=""
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git openssh-client ${EXTRA_PACKAGES} \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 converge \
 && useradd --system --uid 10001 --gid converge --home-dir /var/lib/converge --shell /usr/sbin/nologin converge \
 && install -d -o converge -g converge -m 0700 /var/lib/converge
ENV NODE_ENV=production
WORKDIR /opt/converge
COPY --from=build /opt/converge/package.json ./
COPY --from=build /opt/converge/node_modules ./node_modules
COPY --from=build /opt/converge/dist ./dist
COPY --from=build /opt/converge/bin ./bin
USER 10001:10001
VOLUME ["/var/lib/converge"]
EXPOSE 6443
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:6443/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/converge.js"]
CMD ["serve", "--listen", "0.0.0.0:6443", "--data-dir", "/var/lib/converge"]
