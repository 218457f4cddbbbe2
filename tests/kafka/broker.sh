#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft: broker + controller in one JVM) on 127.0.0.1,
# for Cairn's Kafka tests and benchmark. The same script is what .ci/run uses.
#
#   tests/kafka/broker.sh ensure   start the broker unless it already runs (idempotent)
#   tests/kafka/broker.sh start    same as ensure
#   tests/kafka/broker.sh stop     stop it (SIGTERM, then SIGKILL); its data is kept
#   tests/kafka/broker.sh status   exit 0 and print the address when it answers
#   tests/kafka/broker.sh reset    stop it and delete its data
#   tests/kafka/broker.sh fetch    only resolve the Kafka jars
#
# Kafka and its runtime dependencies come from Maven Central through `mvn
# dependency:copy-dependencies` (tests/kafka/pom.xml) into .tools/kafka/<version>/libs; the
# broker runs from there with `java -cp`. Needs java (17+) and mvn on PATH.
#
# Environment:
#   CAIRN_KAFKA_PORT       client port (default 19092); the controller listens on PORT+1
#   CAIRN_KAFKA_STATE_DIR  pid file, log and data (default ${TMPDIR:-/tmp}/cairn-kafka-PORT)
#   CAIRN_KAFKA_HEAP       JVM heap (default 512m)
#   CAIRN_KAFKA_TIMEOUT    seconds to wait for the broker to answer (default 90)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
host=127.0.0.1
port="${CAIRN_KAFKA_PORT:-19092}"
controller_port=$((port + 1))
state="${CAIRN_KAFKA_STATE_DIR:-${TMPDIR:-/tmp}/cairn-kafka-$port}"
heap="${CAIRN_KAFKA_HEAP:-512m}"
timeout="${CAIRN_KAFKA_TIMEOUT:-90}"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
libs="$root/.tools/kafka/$version/libs"
pidfile="$state/broker.pid"
logfile="$state/broker.log"
data="$state/data"

say() { printf 'kafka-broker: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

need_java() {
  command -v java >/dev/null 2>&1 ||
    die "java is not installed (Kafka needs a Java 17+ runtime; on Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless)"
  local major
  major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [ -n "$major" ] && [ "$major" -ge 17 ] || die "java ${major:-?} found; Kafka $version needs Java 17 or newer"
}

fetch() {
  [ -f "$libs/.complete" ] && return 0
  # Brokers on other ports (other state directories) share the jars: one fetch at a time.
  mkdir -p "$(dirname "$libs")"
  exec 8>"$(dirname "$libs")/.fetch.lock"
  flock 8
  if [ -f "$libs/.complete" ]; then
    exec 8>&-
    return 0
  fi
  command -v mvn >/dev/null 2>&1 ||
    die "mvn is not installed: it fetches Kafka $version from Maven Central (on Debian/Ubuntu: apt-get install -y maven)"
  say "fetching Apache Kafka $version and its dependencies with Maven into $libs"
  rm -rf "$libs"
  mkdir -p "$libs"
  local out
  out="$(mktemp)"
  if ! mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs" >"$out" 2>&1; then
    cat "$out" >&2
    rm -f "$out"
    die "mvn could not fetch Kafka $version (see the output above)"
  fi
  rm -f "$out"
  ls "$libs"/kafka_2.13-"$version".jar >/dev/null 2>&1 || die "kafka_2.13-$version.jar missing after mvn"
  touch "$libs/.complete"
  exec 8>&-
}

running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }

answers() {
  running_pid >/dev/null && port_open "$port" &&
    awk '/^=== start/ { up = 0 } /Kafka Server started/ { up = 1 } END { exit !up }' "$logfile" 2>/dev/null
}

write_config() {
  mkdir -p "$state" "$data"
  cat >"$state/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$host:$controller_port
listeners=PLAINTEXT://$host:$port,CONTROLLER://$host:$controller_port
advertised.listeners=PLAINTEXT://$host:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=24
log.segment.bytes=67108864
EOF
  cat >"$state/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.controller=INFO
log4j.logger.state.change.logger=WARN
EOF
}

java_args() {
  java_opts=(-Xms128m "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    -Djava.net.preferIPv4Stack=true "-Dlog4j.configuration=file:$state/log4j.properties" -cp "$libs/*")
}

java_cmd() { java "${java_opts[@]}" "$@"; }

start() {
  if answers; then
    echo "$host:$port"
    return 0
  fi
  need_java
  fetch
  if pid="$(running_pid)"; then
    say "broker (pid $pid) is starting; waiting"
  else
    if port_open "$port" || port_open "$controller_port"; then
      die "port $port or $controller_port on $host is taken by another program; set CAIRN_KAFKA_PORT"
    fi
    write_config
    java_args
    if [ ! -f "$data/meta.properties" ]; then
      java_cmd kafka.tools.StorageTool format --ignore-formatted \
        --cluster-id "$(java_cmd kafka.tools.StorageTool random-uuid | tail -n1)" \
        --config "$state/server.properties" >>"$logfile" 2>&1 ||
        die "formatting the KRaft storage failed; see $logfile"
    fi
    # The log is appended across restarts: mark where this start begins for `answers`.
    echo "=== start $(date -u +%FT%TZ)" >>"$logfile"
    # setsid: the broker outlives the shell (and the test process) that started it.
    # 8>&- 9>&-: the broker must not inherit (and so hold) this script's locks.
    setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$pidfile" \
      java "${java_opts[@]}" kafka.Kafka "$state/server.properties" >>"$logfile" 2>&1 </dev/null 8>&- 9>&- &
    disown || true
    sleep 0.2
  fi
  local waited=0
  until answers; do
    if ! running_pid >/dev/null && [ "$waited" -gt 2 ]; then
      tail -n 30 "$logfile" >&2 || true
      die "the broker exited while starting; see $logfile"
    fi
    [ "$waited" -ge $((timeout * 5)) ] && die "the broker did not answer on $host:$port within ${timeout}s; see $logfile"
    sleep 0.2
    waited=$((waited + 1))
  done
  say "broker (pid $(running_pid)) answers on $host:$port"
  echo "$host:$port"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "broker (pid $pid) ignored SIGTERM for 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pidfile"
  say "broker on $host:$port stopped"
}

locked() {
  mkdir -p "$state"
  exec 9>"$state/.lock"
  flock 9
  "$@"
}

case "${1:-}" in
  ensure | start) locked start ;;
  stop) locked stop ;;
  reset)
    locked stop
    rm -rf "$data" "$logfile"
    ;;
  status)
    if answers; then
      echo "$host:$port (pid $(running_pid))"
    else
      echo "not running" >&2
      exit 1
    fi
    ;;
  fetch)
    need_java
    fetch
    ;;
  *)
    echo "usage: $0 ensure|start|stop|status|reset|fetch" >&2
    exit 2
    ;;
esac
