# syntax=docker/dockerfile:1
# The producer: spritestream-producer.jar (produce, datasets). Built from the repository root:
#   docker build -f docker/producer.Dockerfile -t spritestream-producer .

FROM maven:3.9.11-eclipse-temurin-17-noble AS build
WORKDIR /src
COPY pom.xml ./
COPY producer/pom.xml producer/
COPY loader/pom.xml loader/
COPY loader/broker/pom.xml loader/broker/
COPY producer/src producer/src
# The producer's tests use the embedded broker module: it is built (not shipped: it is not in lib/).
COPY loader/broker/src loader/broker/src
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests -pl producer -am package

FROM eclipse-temurin:17.0.16_8-jre-noble
WORKDIR /app
COPY --from=build /src/producer/target/spritestream-producer.jar /app/
COPY --from=build /src/producer/target/lib /app/lib
USER 1000
ENTRYPOINT ["java", "-jar", "/app/spritestream-producer.jar"]
CMD ["--help"]
