# syntax=docker/dockerfile:1
# The loader: spritestream-loader.jar (load, demo, broker, produce, datasets). Built from the
# repository root:
#   docker build -f docker/loader.Dockerfile -t spritestream-loader .

FROM maven:3.9.11-eclipse-temurin-17-noble AS build
WORKDIR /src
COPY pom.xml ./
COPY producer/pom.xml producer/
COPY loader/pom.xml loader/
COPY loader/broker/pom.xml loader/broker/
COPY producer/src producer/src
COPY loader/src loader/src
COPY loader/broker/src loader/broker/src
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests -pl loader -am package

FROM eclipse-temurin:17.0.16_8-jre-noble
WORKDIR /app
COPY --from=build /src/loader/target/spritestream-loader.jar /src/loader/target/spritestream /app/
COPY --from=build /src/loader/target/lib /app/lib
COPY --from=build /src/loader/src/main/cds/classlist /app/classlist
# The class-data sharing archive the launcher starts with, dumped by this image's own JVM (an archive
# is only ever used by the JVM build that made it).
RUN java -Xshare:dump -XX:SharedClassListFile=/app/classlist -XX:SharedArchiveFile=/app/spritestream-loader.jsa \
        -Xlog:cds=off -Xlog:cds+dynamic=off -cp /app/spritestream-loader.jar > /dev/null && rm /app/classlist
# OpenCV's and PyTorch's native libraries are unpacked here on first start.
ENV SPRITESTREAM_CACHE=/app/cache DJL_CACHE_DIR=/app/cache/djl
RUN mkdir -p /app/cache && chown 1000 /app/cache
USER 1000
ENTRYPOINT ["/app/spritestream"]
CMD ["--help"]
