"""The Spark side of `logpulse batch --engine spark` (src/batch/spark.ts submits it: spark-submit views.py SPEC.json).

The spec holds everything logpulse decided (src/batch/spark-spec.ts): the archive files to read (the compaction
journal already applied), the contract's schema, the `records` SELECT (the same columns, casts and since/until
filter as DuckDB's, in Spark's dialect), and every view as {name, sql, dir} in the SQL both engines run. This
script only runs them: each view is written as ONE `<dir>/<name>.parquet` and ONE `<dir>/<name>.csv`, in the bytes
DuckDB's COPY would give the CSV, so a reader cannot tell which engine made a batch (test/batch/spark-engine).

Progress and failures go to stdout as `logpulse-event {json}` lines; Spark's own log goes to stderr. A failure is
one `error` event whose `kind` says whose fault it is: `input` (an archive file, named when Spark names it),
`output` (a path under batch.dir), `engine` (Spark itself: the session, the master) or `unknown`.
"""

import json
import os
import re
import shutil
import sys

EVENT = "logpulse-event "


def emit(event, **fields):
    print(EVENT + json.dumps({"event": event, **fields}), flush=True)


class Failure(Exception):
    def __init__(self, kind, message, path=None):
        super().__init__(message)
        self.kind = kind
        self.path = path


def hadoop_path(path):
    """A local path as Spark's readers take it: they expand glob characters, so those are escaped."""
    return re.sub(r"([\\{}\[\]*?])", r"\\\1", path)


def describe(err):
    """One readable line for an error: a Java exception's deepest cause (where Spark says what went wrong)."""
    java = getattr(err, "java_exception", None)
    if java is None:
        return str(err).strip().split("\n")[0]
    cause = java
    while cause.getCause() is not None and cause.getCause() is not cause:
        cause = cause.getCause()
    return cause.toString().split("\n")[0]


def full_text(err):
    """Everything an error says (every Java cause), to find the path it is about."""
    java = getattr(err, "java_exception", None)
    texts = [str(err)]
    while java is not None:
        texts.append(java.toString())
        nxt = java.getCause()
        java = None if nxt is None or nxt is java else nxt
    return "\n".join(texts)


# DuckDB's CSV (COPY … (FORMAT csv, HEADER true)): comma, RFC 4180 quoting only where needed ("" inside quotes), an
# empty string as "", NULL as nothing, \n line ends. Spark's defaults differ: backslash escapes, and leading and
# trailing spaces trimmed from every value.
CSV_OPTIONS = {
    "header": "true",
    "sep": ",",
    "quote": '"',
    "escape": '"',
    "escapeQuotes": "true",
    "quoteAll": "false",
    "nullValue": "",
    "emptyValue": '""',
    "ignoreLeadingWhiteSpace": "false",
    "ignoreTrailingWhiteSpace": "false",
    "lineSep": "\n",
    "encoding": "UTF-8",
}


def input_or_unknown(err, files, doing):
    """A failure that names an archive file is that file's (Spark names the file it could not read)."""
    text = full_text(err)
    culprit = next((f for f in files if f in text), None)
    if culprit is not None:
        return Failure("input", describe(err), culprit)
    return Failure("unknown", f"{doing}: {describe(err)}")


def csv_columns(df):
    """The view's columns as DuckDB prints them in CSV; integers and text need nothing, Spark writes them alike."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    # DuckDB prints a double as Python's repr does (the shortest text that reads back the same; 1e-05, 1e+16,
    # 100.0); Java's Double.toString, which Spark's CSV uses, writes 1.0E-5 and, before Java 19, sometimes more
    # digits than needed. Only url_stats.error_rate and the thresholds' columns are doubles: a few rows per URL.
    double_text = F.udf(lambda v: None if v is None else repr(v), "string")
    columns = []
    for field in df.schema.fields:
        c = F.col(f"`{field.name}`")
        if isinstance(field.dataType, (T.DoubleType, T.FloatType)):
            c = double_text(c)
        elif isinstance(field.dataType, T.TimestampType):
            # `2026-12-06 10:31:00+00`, a fraction of a second only when there is one (trailing zeros dropped).
            micros = F.expr(f"pmod(unix_micros(`{field.name}`), 1000000)")
            fraction = F.when(micros == 0, F.lit("")).otherwise(
                F.concat(F.lit("."), F.regexp_replace(F.lpad(micros.cast("string"), 6, "0"), "0+$", ""))
            )
            c = F.concat(F.date_format(c, "yyyy-MM-dd HH:mm:ss"), fraction, F.lit("+00"))
        columns.append(c.alias(field.name))
    return df.select(*columns)


def write_one_file(df, directory, name, fmt):
    """Writes `df` as the single file `<directory>/<name>.<fmt>`, in its row order."""
    target = os.path.join(directory, f"{name}.{fmt}")
    # Spark writes a directory of part files; a hidden one beside the target, whose one part becomes the target.
    temp = os.path.join(directory, f".{name}.{fmt}.spark")
    try:
        # coalesce(1), not repartition(1): it concatenates the sorted partitions in order, without a shuffle.
        writer = df.coalesce(1).write.mode("overwrite")
        if fmt == "parquet":
            writer.parquet(temp)
        else:
            writer.options(**CSV_OPTIONS).csv(temp)
    except Exception as err:  # noqa: BLE001 — classified by the caller from what Spark says
        if temp in full_text(err) or directory in full_text(err):
            raise Failure("output", describe(err), directory) from err
        raise
    try:
        parts = sorted(p for p in os.listdir(temp) if p.startswith("part-") and not p.endswith(".crc"))
        if len(parts) != 1:
            raise Failure("engine", f"Spark wrote {len(parts)} part files for {name}.{fmt}, not 1: {parts}")
        os.replace(os.path.join(temp, parts[0]), target)
        shutil.rmtree(temp)
    except OSError as err:
        raise Failure("output", f"{err.strerror or err}: {err.filename or target}", err.filename or target) from err
    return target


def run(spec):
    try:
        from pyspark import SparkConf
        from pyspark.sql import SparkSession

        given = SparkConf()  # spark-submit's --conf and spark-defaults.conf
        builder = SparkSession.builder.appName("logpulse batch")
        # Always: minutes and windows are UTC, timestamps are written as DuckDB writes them (not INT96), the
        # percentile is the SQL standard's (3.5's default, which a legacy setting could turn off).
        builder = builder.config("spark.sql.session.timeZone", "UTC")
        builder = builder.config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        builder = builder.config("spark.sql.legacy.percentileDiscCalculation", "false")
        # Unless configured otherwise: no web UI or console progress bar (a batch job's stderr is a log); the
        # archive's files listed by the driver, not by a Spark job (it lists more than 32 paths with one: 2.5 s
        # for 48 local files), since they are named one by one.
        unless_given = (
            ("spark.ui.enabled", "false"),
            ("spark.ui.showConsoleProgress", "false"),
            ("spark.sql.sources.parallelPartitionDiscovery.threshold", str(1 << 30)),
        )
        for key, value in unless_given:
            if not given.contains(key):
                builder = builder.config(key, value)
        spark = builder.getOrCreate()
        sc = spark.sparkContext
        # Spark's 200 shuffle partitions are 100 tasks per core on local[2], for views of a few thousand rows; as
        # many as there are cores unless configured.
        if not given.contains("spark.sql.shuffle.partitions"):
            spark.conf.set("spark.sql.shuffle.partitions", str(sc.defaultParallelism))
        emit("started", master=sc.master, version=spark.version, parallelism=sc.defaultParallelism)
    except Exception as err:  # noqa: BLE001
        raise Failure("engine", f"Spark did not start: {describe(err)}") from err

    files = spec["files"]
    try:
        if files:
            # The contract's schema, not the files' (as DuckDB's casts): a file that cannot be read as it fails.
            archive = spark.read.schema(spec["schema"]).parquet(*[hadoop_path(f) for f in files])
        else:
            archive = spark.createDataFrame([], spec["schema"])
        archive.createOrReplaceTempView("archive")
        spark.sql(spec["records"]).createOrReplaceTempView("records")
    except Exception as err:  # noqa: BLE001
        raise input_or_unknown(err, files, "reading the archive") from err

    for view in spec["views"]:
        name, directory = view["name"], view["dir"]
        emit("view", name=name)
        try:
            parquet = write_one_file(spark.sql(view["sql"]), directory, name, "parquet")
            # The CSV from the Parquet file just written, not from the query again: one computation, the same rows
            # in the same order (one file read as one partition).
            spark.conf.set("spark.sql.files.maxPartitionBytes", str(1 << 40))
            write_one_file(csv_columns(spark.read.parquet(hadoop_path(parquet))), directory, name, "csv")
            spark.conf.unset("spark.sql.files.maxPartitionBytes")
        except Failure:
            raise
        except Exception as err:  # noqa: BLE001
            raise input_or_unknown(err, files, name) from err
    emit("done")
    spark.stop()


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    try:
        run(spec)
    except Failure as failure:
        emit("error", kind=failure.kind, message=str(failure), path=failure.path)
        sys.exit(1)
    except Exception as err:  # noqa: BLE001
        emit("error", kind="unknown", message=describe(err), path=None)
        sys.exit(1)


if __name__ == "__main__":
    main()
