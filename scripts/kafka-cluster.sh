#!/usr/bin/env bash
# A three-node Apache Kafka 3.9 KRaft cluster on 127.0.0.1 from the same jars as scripts/kafka.sh:
# every node is broker + controller (a quorum of three), topics default to replication factor 3 with
# min.insync.replicas 2, so one node may fail without losing a write acknowledged by all in-sync
# replicas (the producers' acks=all) or the ability to write.
#   bash scripts/kafka-cluster.sh start          format (once) and start the three nodes, wait until all are ready
#   bash scripts/kafka-cluster.sh stop           stop all three and wait
#   bash scripts/kafka-cluster.sh status         one line per node
#   bash scripts/kafka-cluster.sh brokers        the bootstrap list, e.g. 127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096
#   bash scripts/kafka-cluster.sh kill N         SIGKILL node N (1..3), no clean shutdown
#   bash scripts/kafka-cluster.sh stop-node N    SIGTERM node N and wait (a clean, controlled shutdown)
#   bash scripts/kafka-cluster.sh start-node N   start node N again and wait until it is ready
# Node N listens for clients on KAFKA_CLUSTER_PORT + 2(N-1) and for the controller quorum on the next
# port: 19092..19097 by default, beside the single broker at 9092/9093.
# Environment:
#   KAFKA_CLUSTER_PORT     client port of node 1 (default 19092)
#   KAFKA_CLUSTER_HOME     state directory: node1..node3 data, logs, config, pid files (default .kafka-cluster)
#   KAFKA_START_TIMEOUT_S  readiness wait per node (default 90)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
libs="$root/.kafka/libs"
home="${KAFKA_CLUSTER_HOME:-$root/.kafka-cluster}"
base="${KAFKA_CLUSTER_PORT:-19092}"
nodes=(1 2 3)

port() { echo $((base + 2 * ($1 - 1))); }
cport() { echo $((base + 2 * ($1 - 1) + 1)); }
dir() { echo "$home/node$1"; }
pidfile() { echo "$(dir "$1")/kafka.pid"; }
running() { [ -f "$(pidfile "$1")" ] && kill -0 "$(cat "$(pidfile "$1")")" 2>/dev/null; }
port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
brokers() { local out=() n; for n in "${nodes[@]}"; do out+=("127.0.0.1:$(port "$n")"); done; (IFS=,; echo "${out[*]}"); }
voters() { local out=() n; for n in "${nodes[@]}"; do out+=("$n@127.0.0.1:$(cport "$n")"); done; (IFS=,; echo "${out[*]}"); }
jvm() { echo "-Xms192m -Xmx384m -XX:+UseG1GC -Djava.awt.headless=true -Dlog4j.configuration=file:$(dir "$1")/config/log4j.properties"; }
check_node() { case "${1:-}" in 1|2|3) ;; *) echo "kafka-cluster: node must be 1, 2 or 3, got '${1:-}'" >&2; exit 2 ;; esac; }

configure() {
  local n="$1" d; d="$(dir "$n")"
  mkdir -p "$d/logs" "$d/config"
  sed -e "s#@DATA@#$d/data#" -e "s#@ID@#$n#" -e "s#@PORT@#$(port "$n")#" -e "s#@CPORT@#$(cport "$n")#" -e "s#@VOTERS@#$(voters)#" \
    "$here/kafka/cluster.properties" >"$d/config/server.properties"
  printf 'log4j.rootLogger=WARN, file\nlog4j.appender.file=org.apache.log4j.FileAppender\nlog4j.appender.file.File=%s/logs/server.log\nlog4j.appender.file.layout=org.apache.log4j.PatternLayout\nlog4j.appender.file.layout.ConversionPattern=[%%d] %%p %%m (%%c)%%n\nlog4j.logger.kafka=INFO\n' "$d" >"$d/config/log4j.properties"
}

format_all() {
  local n id=""
  for n in "${nodes[@]}"; do [ -f "$(dir "$n")/data/meta.properties" ] && return 0; done
  # shellcheck disable=SC2046 # jvm() is a word list
  id="$(java -cp "$libs/*" $(jvm 1) kafka.tools.StorageTool random-uuid)"
  for n in "${nodes[@]}"; do
    # shellcheck disable=SC2046
    java -cp "$libs/*" $(jvm "$n") kafka.tools.StorageTool format -t "$id" -c "$(dir "$n")/config/server.properties" >"$(dir "$n")/logs/format.log" 2>&1 || {
      echo "kafka-cluster: storage format of node $n failed:" >&2; cat "$(dir "$n")/logs/format.log" >&2; exit 1; }
  done
}

launch() {
  local n="$1" d; d="$(dir "$n")"
  if running "$n"; then return 0; fi
  if port_open "$(port "$n")"; then echo "kafka-cluster: something already listens on 127.0.0.1:$(port "$n"); not starting node $n" >&2; exit 1; fi
  : >"$d/logs/stdout.log"; rm -f "$d/logs/server.log"
  # shellcheck disable=SC2046
  nohup java -cp "$libs/*" $(jvm "$n") kafka.Kafka "$d/config/server.properties" >"$d/logs/stdout.log" 2>&1 &
  echo $! >"$(pidfile "$n")"
}

wait_ready() {
  local n="$1" d; d="$(dir "$n")"
  for _ in $(seq 1 "$(( ${KAFKA_START_TIMEOUT_S:-90} * 2 ))"); do
    if port_open "$(port "$n")" && grep -q "Kafka Server started\|started (kafka.server.KafkaRaftServer)" "$d/logs/server.log" "$d/logs/stdout.log" 2>/dev/null; then return 0; fi
    running "$n" || { echo "kafka-cluster: node $n exited; see $d/logs" >&2; tail -20 "$d/logs/stdout.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "kafka-cluster: node $n not ready after ${KAFKA_START_TIMEOUT_S:-90} s; see $d/logs" >&2; exit 1
}

start() {
  bash "$here/kafka.sh" install
  local n
  for n in "${nodes[@]}"; do configure "$n"; done
  format_all
  # All three at once: a node waits for the quorum (two of three controllers) before it reports started.
  for n in "${nodes[@]}"; do launch "$n"; done
  for n in "${nodes[@]}"; do wait_ready "$n"; done
  echo "kafka-cluster: ready on $(brokers)"
}

stop_node() {
  local n="$1" pid
  if ! running "$n"; then rm -f "$(pidfile "$n")"; return 0; fi
  pid="$(cat "$(pidfile "$n")")"; kill "$pid"
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || { rm -f "$(pidfile "$n")"; return 0; }; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true; rm -f "$(pidfile "$n")"
}

stop() {
  local n pids=()
  # In parallel: stopping one by one makes each later node wait for a quorum that is leaving.
  for n in "${nodes[@]}"; do stop_node "$n" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
  echo "kafka-cluster: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  brokers) brokers ;;
  status) rc=0; for n in "${nodes[@]}"; do if running "$n"; then echo "node $n: running (pid $(cat "$(pidfile "$n")")) on 127.0.0.1:$(port "$n")"; else echo "node $n: not running"; rc=1; fi; done; exit $rc ;;
  kill) check_node "${2:-}"; if running "$2"; then kill -9 "$(cat "$(pidfile "$2")")"; rm -f "$(pidfile "$2")"; echo "kafka-cluster: node $2 killed"; else echo "kafka-cluster: node $2 not running"; fi ;;
  stop-node) check_node "${2:-}"; stop_node "$2"; echo "kafka-cluster: node $2 stopped" ;;
  start-node) check_node "${2:-}"; configure "$2"; launch "$2"; wait_ready "$2"; echo "kafka-cluster: node $2 ready on 127.0.0.1:$(port "$2")" ;;
  *) echo "usage: $0 start|stop|status|brokers|kill N|stop-node N|start-node N" >&2; exit 2 ;;
esac
