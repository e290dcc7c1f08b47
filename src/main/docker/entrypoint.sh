#!/bin/sh
# Starts the replicator in the JVM image: JAVA_OPTS (the image's defaults, see Dockerfile.jvm) and
# JAVA_OPTS_APPEND, split at spaces, then the program's arguments. exec: the JVM is process 1 and
# gets the SIGTERM of docker stop or of Kubernetes itself, and shuts down cleanly.
# shellcheck disable=SC2086
exec java $JAVA_OPTS ${JAVA_OPTS_APPEND:-} -Djava.util.logging.manager=org.jboss.logmanager.LogManager -jar /deployments/quarkus-run.jar "$@"
