#!/usr/bin/env bash
# Development/CI Kafka: a real Apache Kafka 3.9 broker (KRaft, single node) on 127.0.0.1:9092.
#   bash scripts/kafka.sh start   install jars once (Maven Central → .kafka/libs), format storage, start, wait ready
#   bash scripts/kafka.sh stop    stop it and wait
#   bash scripts/kafka.sh status
#   bash scripts/kafka.sh install only resolve the jars (scripts/kafka-cluster.sh uses the same ones)
# Environment (for tests that need a broker of their own to stop, restart or secure):
#   KAFKA_PORT             client listener port (default 9092); the controller listens on KAFKA_PORT+1
#   KAFKA_HOME             state directory: data, logs, config, pid file (default .kafka)
#   KAFKA_LISTENER         client listener name and protocol, e.g. SASL_SSL (default PLAINTEXT)
#   KAFKA_EXTRA_PROPERTIES a file appended to server.properties (later keys win: TLS stores, SASL, JAAS)
#   KAFKA_FORMAT_ARGS      extra storage-format arguments, e.g. --add-scram 'SCRAM-SHA-256=[name=u,password=p]'
#   KAFKA_START_TIMEOUT_S  readiness wait (default 60)
# Users with Docker can use docker/docker-compose.yml instead.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
libs="$root/.kafka/libs"
k="${KAFKA_HOME:-$root/.kafka}"
port="${KAFKA_PORT:-9092}"
cport="$((port + 1))"
listener="${KAFKA_LISTENER:-PLAINTEXT}"
pidfile="$k/kafka.pid"

need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "scripts/kafka.sh: '$1' not found. Install $2 (e.g. apt-get install -y $3), or run Kafka with Docker: docker compose -f docker/docker-compose.yml up kafka" >&2
    exit 1
  }
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; }

install() {
  [ -f "$libs/.complete" ] && return 0
  need java "Java 17+" openjdk-17-jre-headless
  need mvn "Maven" maven
  echo "kafka: resolving broker jars from Maven Central (once)…" >&2
  mkdir -p "$libs"
  mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$libs" -DincludeScope=runtime >"$libs/../mvn.log" 2>&1 || {
    echo "kafka: Maven failed, see $libs/../mvn.log" >&2; tail -20 "$libs/../mvn.log" >&2; exit 1; }
  touch "$libs/.complete"
}

start() {
  if running; then echo "kafka: already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"; return 0; fi
  if port_open; then echo "kafka: something already listens on 127.0.0.1:$port; not starting another" >&2; return 0; fi
  install
  need java "Java 17+" openjdk-17-jre-headless
  mkdir -p "$k/logs" "$k/config"
  data="$k/data"
  sed -e "s#@DATA@#$data#" -e "s#@PORT@#$port#g" -e "s#@CPORT@#$cport#g" -e "s#@LISTENER@#$listener#g" \
    "$here/kafka/server.properties" >"$k/config/server.properties"
  if [ -n "${KAFKA_EXTRA_PROPERTIES:-}" ]; then cat "$KAFKA_EXTRA_PROPERTIES" >>"$k/config/server.properties"; fi
  printf 'log4j.rootLogger=WARN, file\nlog4j.appender.file=org.apache.log4j.FileAppender\nlog4j.appender.file.File=%s/logs/server.log\nlog4j.appender.file.layout=org.apache.log4j.PatternLayout\nlog4j.appender.file.layout.ConversionPattern=[%%d] %%p %%m (%%c)%%n\nlog4j.logger.kafka=INFO\n' "$k" >"$k/config/log4j.properties"
  cp="$libs/*"
  jvm=(-Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true "-Dlog4j.configuration=file:$k/config/log4j.properties")
  if [ ! -f "$data/meta.properties" ]; then
    id="$(java -cp "$cp" "${jvm[@]}" kafka.tools.StorageTool random-uuid)"
    # shellcheck disable=SC2086 # KAFKA_FORMAT_ARGS is a word list on purpose
    eval "java -cp \"\$cp\" \"\${jvm[@]}\" kafka.tools.StorageTool format -t \"\$id\" -c \"\$k/config/server.properties\" ${KAFKA_FORMAT_ARGS:-}" >"$k/logs/format.log" 2>&1 || {
      echo "kafka: storage format failed:" >&2; cat "$k/logs/format.log" >&2; exit 1; }
  fi
  # A restart of the same KAFKA_HOME must not see the previous run's "started" line.
  : >"$k/logs/stdout.log"; rm -f "$k/logs/server.log"
  nohup java -cp "$cp" "${jvm[@]}" kafka.Kafka "$k/config/server.properties" >"$k/logs/stdout.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 "$(( ${KAFKA_START_TIMEOUT_S:-60} * 2 ))"); do
    if port_open && grep -q "Kafka Server started\|started (kafka.server.KafkaRaftServer)" "$k/logs/server.log" "$k/logs/stdout.log" 2>/dev/null; then
      echo "kafka: ready on 127.0.0.1:$port (pid $(cat "$pidfile"))"; return 0
    fi
    running || { echo "kafka: broker exited; see $k/logs" >&2; tail -30 "$k/logs/stdout.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "kafka: not ready after ${KAFKA_START_TIMEOUT_S:-60} s; see $k/logs" >&2; exit 1
}

stop() {
  if ! running; then echo "kafka: not running"; rm -f "$pidfile"; return 0; fi
  pid="$(cat "$pidfile")"; kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; echo "kafka: stopped"; return 0; }; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true; rm -f "$pidfile"; echo "kafka: killed"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  install) install ;;
  status) if running; then echo "kafka: running (pid $(cat "$pidfile"))"; else echo "kafka: not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status|install" >&2; exit 2 ;;
esac
