"""Independent read_committed check of exactly-once outputs (confluent-kafka / librdkafka, not kafkajs).

Reads each topic from the beginning to its end with isolation.level=read_committed and prints one
JSON line per topic: records, distinct keys, keys seen more than once. Exit 1 if any key repeats.
    .venv-ref/bin/python scripts/check_exactly_once.py --brokers 127.0.0.1:9092 TOPIC [TOPIC ...]
(pip install confluent-kafka into a venv; a reference check, not a runtime dependency.)
"""
import argparse
import json
import sys
import uuid
from collections import Counter

from confluent_kafka import Consumer, KafkaError


def read_topic(brokers: str, topic: str, timeout_s: float) -> Counter:
    c = Consumer({
        "bootstrap.servers": brokers,
        "group.id": f"eos-check-{uuid.uuid4().hex[:8]}",
        "isolation.level": "read_committed",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    })
    c.subscribe([topic])
    keys: Counter = Counter()
    partitions = None
    at_end = set()
    idle = 0.0
    while partitions is None or len(at_end) < partitions:
        m = c.poll(0.5)
        if partitions is None:
            md = c.list_topics(topic, timeout=10).topics[topic]
            partitions = len(md.partitions)
        if m is None:
            idle += 0.5
            if idle > timeout_s:
                raise SystemExit(f"{topic}: no end reached in {timeout_s} s ({len(at_end)}/{partitions} partitions)")
            continue
        idle = 0.0
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(m.partition())
                continue
            raise SystemExit(f"{topic}: {m.error()}")
        at_end.discard(m.partition())
        keys[(m.key() or b"").decode()] += 1
    c.close()
    return keys


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--brokers", default="127.0.0.1:9092")
    ap.add_argument("--timeout-s", type=float, default=30.0)
    ap.add_argument("topics", nargs="+")
    a = ap.parse_args()
    bad = 0
    for t in a.topics:
        keys = read_topic(a.brokers, t, a.timeout_s)
        dup = sum(1 for n in keys.values() if n > 1)
        bad += dup
        print(json.dumps({"topic": t, "records": sum(keys.values()), "distinct": len(keys), "duplicatedKeys": dup}))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
