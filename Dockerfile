# syntax=docker/dockerfile:1
# sppo4j node image: builds sppo.jar with Maven, runs `sppo node` on a JRE 17 as a non-root user.
#   docker build -t sppo4j:dev .
# The root filesystem may be read-only: everything written goes to the volumes below.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY proto proto
COPY model model
COPY actors actors
COPY cluster cluster
# The Maven repository is cached between builds; tests run in CI, not here.
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package

# glibc-based (Ubuntu): the PyTorch native library inside sppo.jar needs it.
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 sppo4j \
 && useradd --system --uid 10001 --gid sppo4j --home-dir /var/lib/sppo4j --shell /usr/sbin/nologin sppo4j \
 && mkdir -p /var/lib/sppo4j /var/cache/sppo4j \
 && chown sppo4j:sppo4j /var/lib/sppo4j /var/cache/sppo4j
COPY --from=build /src/cluster/target/sppo.jar /opt/sppo4j/sppo.jar

# DJL unpacks the PyTorch native library into its cache once; never downloads (ai.djl.offline).
ENV DJL_CACHE_DIR=/var/cache/sppo4j/djl \
    ENGINE_CACHE_DIR=/var/cache/sppo4j/djl \
    HOME=/var/lib/sppo4j \
    MALLOC_ARENA_MAX=2
# MALLOC_ARENA_MAX: glibc gives each of libtorch's threads an arena of its own and keeps what
# they free; a 135M-parameter train run reached 17.5 GB resident with the default, 11.5 GB with 2.
# Writable paths: checkpoints and rollout logs, the native-library cache, temporary files.
VOLUME ["/var/lib/sppo4j", "/var/cache/sppo4j", "/tmp"]
USER 10001:10001
WORKDIR /var/lib/sppo4j
# Remoting, management (health checks, bootstrap), weight transfers, Prometheus metrics.
EXPOSE 17355 7626 17356 9464

# The heap is sized from the container's memory limit; half of it, since tensors live outside
# the heap (PyTorch's native memory). An out-of-memory error ends the JVM so Kubernetes restarts it.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-XX:+ExitOnOutOfMemoryError", "-Dai.djl.offline=true", "-jar", "/opt/sppo4j/sppo.jar", "node"]
CMD ["--config", "/etc/sppo4j/sppo4j.conf", "--roles", "rollout", "--metrics-port", "9464"]
