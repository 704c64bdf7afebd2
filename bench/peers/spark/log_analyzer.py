"""The seed's Spark Structured Streaming job (shared/reference/ORIGINALS.md section 1), rebuilt as a benchmark peer.

Same job as the seed's log_analyzer.py: explicit schema, to_timestamp with the seed's pattern, filter
status >= 400, watermark 10 s, groupBy(window(ts, "30 seconds"), status) -> error_count, approx_count_distinct(ip)
as unique_ips, collect_list(url) as error_urls, alert when error_count > 100, and three independent queries as in
the seed (each re-reads the source, as Spark does for separate queries):
  - errors:  to_json(struct(*)) as text files (the seed's sink, unchanged);
  - metrics: update mode (the seed's), console replaced by JSON files written per micro-batch (foreachBatch),
             so the aggregation really runs and its rows can be checked, without printing megabytes to a console;
  - alerts:  the rows with the alert flag, update mode, JSON files per micro-batch (the seed printed them).

Sources: --mode socket is the seed's socket source (host/port of a `nc -lk`-like server); --mode file is the
Structured Streaming file source (text) over a directory, trigger availableNow.

Tuning (stated, as any operator would do on a 2-core box): master local[2], spark.driver.memory (default 1g),
spark.sql.shuffle.partitions (default here 2 = the number of cores, instead of Spark's 200, which would run 200
tiny stateful tasks and 200 state stores per query per micro-batch), spark UI off, session time zone UTC.

Protocol with the driver (bench/peers/spark.ts), JSON lines on stdout:
  {"event": "ready"}      the SparkSession (JVM) is up
  {"event": "start"}      right before the first query starts: the benchmark clock starts here
  {"event": "progress", "query", "batch", "rows", "total"}   per micro-batch (StreamingQueryListener)
  {"event": "done", "rows": {...}}   every query has processed every input line and committed its output
  {"event": "error", "message"}
"""
import argparse
import json
import sys
import threading
import time

# Spark 3.5's parser reads the seed's pattern with 1 to 6 fraction digits and a "Z" (checked). Two cases leave it
# null: no fraction at all (Python's isoformat() drops it when the microsecond is 0, "...:40Z") and "+HH:MM"
# offsets. The fallback pattern covers both; coalesce evaluates it only for lines the seed's pattern missed.
SEED_PATTERN = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSX"
FALLBACK_PATTERN = "yyyy-MM-dd'T'HH:mm:ss[.SSSSSS]XXX"


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, "t": time.time(), **fields}) + "\n")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["file", "socket"], required=True)
    ap.add_argument("--input", help="directory the file source watches (mode file)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9999)
    ap.add_argument("--out", required=True)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--expected", type=int, required=True, help="input lines; socket mode ends when every query read them")
    ap.add_argument("--trigger", default="10 seconds", help="processingTime trigger (socket mode)")
    ap.add_argument("--shuffle-partitions", type=int, default=2)
    ap.add_argument("--driver-memory", default="1g")
    args = ap.parse_args()

    from pyspark.sql import SparkSession
    from pyspark.sql.functions import (
        approx_count_distinct,
        coalesce,
        col,
        collect_list,
        count,
        from_json,
        lit,
        struct,
        to_json,
        to_timestamp,
        window,
    )
    from pyspark.sql.streaming import StreamingQueryListener
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("log_analyzer")
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    emit("ready", spark=spark.version)

    schema = StructType(
        [
            StructField("timestamp", StringType(), True),
            StructField("ip", StringType(), True),
            StructField("method", StringType(), True),
            StructField("url", StringType(), True),
            StructField("status", IntegerType(), True),
        ]
    )

    if args.mode == "socket":
        raw = spark.readStream.format("socket").option("host", args.host).option("port", args.port).load()
        trigger = {"processingTime": args.trigger}
    else:
        raw = spark.readStream.format("text").load(args.input)
        trigger = {"availableNow": True}

    logs = (
        raw.select(from_json(col("value"), schema).alias("log"))
        .select("log.*")
        .withColumn(
            "timestamp",
            coalesce(to_timestamp(col("timestamp"), SEED_PATTERN), to_timestamp(col("timestamp"), FALLBACK_PATTERN)),
        )
        .filter(col("status") >= 400)
    )

    # As in the seed, the watermark is taken on error rows only (the filter comes first).
    metrics = (
        logs.withWatermark("timestamp", "10 seconds")
        .groupBy(window(col("timestamp"), "30 seconds"), col("status"))
        .agg(
            count("*").alias("error_count"),
            approx_count_distinct("ip").alias("unique_ips"),
            collect_list("url").alias("error_urls"),
        )
        .withColumn("alert", col("error_count") > 100)
    )
    alerts = metrics.filter(col("alert")).select(
        col("window.start").alias("window_start"),
        col("window.end").alias("window_end"),
        col("status"),
        col("error_count"),
        col("unique_ips"),
        lit("ALERT: high error count").alias("message"),
    )

    names = ["metrics", "alerts", "errors"]
    totals = {n: 0 for n in names}
    complete = threading.Event()
    lock = threading.Lock()

    class Progress(StreamingQueryListener):
        def onQueryStarted(self, event):
            pass

        def onQueryProgress(self, event):
            p = event.progress
            with lock:
                totals[p.name] = totals.get(p.name, 0) + p.numInputRows
                emit("progress", query=p.name, batch=p.batchId, rows=p.numInputRows, total=totals[p.name],
                     durationMs=p.durationMs)
                if all(totals[n] >= args.expected for n in names):
                    complete.set()

        def onQueryIdle(self, event):
            pass

        def onQueryTerminated(self, event):
            if event.exception:
                emit("error", message=f"query {event.id} failed: {event.exception}")

    spark.streams.addListener(Progress())

    def json_files(directory):
        def write(df, batch_id):
            df.write.mode("overwrite").json(f"{directory}/batch={batch_id:06d}")

        return write

    def batch_query(df, name):
        return (
            df.writeStream.queryName(name)
            .outputMode("update")
            .foreachBatch(json_files(f"{args.out}/{name}"))
            .option("checkpointLocation", f"{args.checkpoint}/{name}")
            .trigger(**trigger)
            .start()
        )

    emit("start")
    queries = [
        batch_query(metrics, "metrics"),
        batch_query(alerts, "alerts"),
        logs.select(to_json(struct("*")).alias("value"))
        .writeStream.queryName("errors")
        .outputMode("append")
        .format("text")
        .option("path", f"{args.out}/errors")
        .option("checkpointLocation", f"{args.checkpoint}/errors")
        .trigger(**trigger)
        .start(),
    ]

    try:
        if args.mode == "file":
            for q in queries:
                q.awaitTermination()
            # The listener is asynchronous: count from the queries' own progress, complete once terminated.
            for q in queries:
                totals[q.name] = sum(int(p["numInputRows"]) for p in q.recentProgress)
        else:
            while not complete.wait(0.05):
                for q in queries:
                    if not q.isActive:
                        raise RuntimeError(f"query {q.name} stopped: {q.exception()}")
        with lock:
            emit("done", rows=dict(totals))
    except Exception as e:  # noqa: BLE001 - reported to the driver, which fails loudly
        emit("error", message=str(e))
        raise
    finally:
        for q in queries:
            try:
                q.stop()
            except Exception:  # noqa: BLE001
                pass
        spark.stop()


if __name__ == "__main__":
    main()
