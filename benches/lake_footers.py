"""Builds a many-file Parquet lake and times reading every file's footer with pyarrow.

Used by the file scanner benchmark as the peer for footer reading.

usage:
  lake_footers.py make OUT [--files 5000] [--datasets 50] [--rows 50]
      Writes OUT/ds_NN/dt=2024-01-DD/part-K.parquet: the files are shared out evenly over
      the datasets and, within a dataset, over up to 10 dt= folders. Deterministic. Prints
      `reused` if OUT already holds exactly --files .parquet files, otherwise
      `written N files in S s`.
  lake_footers.py footers OUT [--runs 3]
      Reads the schema of every .parquet file under OUT (sorted) with
      pyarrow.parquet.read_schema, --runs times, and prints one JSON line with the file
      count, the best and median time of a run, and files per second from the median.
  lake_footers.py footers-s3 ENDPOINT BUCKET PREFIX [--runs 3]
      The same over an S3-compatible server at ENDPOINT (http://HOST:PORT), through
      pyarrow's S3 filesystem: every .parquet key below BUCKET/PREFIX, listed once, then
      read_schema of each in a loop. Credentials from AWS_ACCESS_KEY_ID and
      AWS_SECRET_ACCESS_KEY.
"""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta

PROG = "lake_footers.py"

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:
    sys.exit(f"{PROG}: error: the Python module 'pyarrow' is missing (pip install pyarrow)")

DT_FOLDERS = 10
POOL_ROWS = 4096

FIRST = ["Anna", "Lukas", "Sophie", "Jonas", "Camille", "Pierre", "Lucía", "José", "Emma",
         "Oliver", "Giulia", "Marco", "Ingrid", "Tomasz", "Hannah", "Mehmet"]
LAST = ["Schmidt", "Müller", "Weber", "Dubois", "Martin", "García", "Rossi", "Smith", "Nowak",
        "Jensen", "Becker", "Bernard", "Fischer", "Novak"]
CITIES = ["Berlin", "Hamburg", "München", "Paris", "Lyon", "Madrid", "Milano", "Wien", "Zürich",
          "Amsterdam", "London", "Warszawa"]
COUNTRIES = ["DE", "FR", "ES", "IT", "AT", "CH", "NL", "GB", "PL", "DK"]

SCHEMA = pa.schema([
    ("id", pa.int64()),
    ("email", pa.string()),
    ("full_name", pa.string()),
    ("amount", pa.float64()),
    ("created_at", pa.timestamp("ms")),
    ("active", pa.bool_()),
    ("city", pa.string()),
    ("quantity", pa.int32()),
    ("country", pa.string()),
    ("birth_date", pa.date32()),
])


def fail(message):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(1)


def parquet_files(root):
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in files:
            if name.endswith(".parquet"):
                found.append(os.path.join(folder, name))
    found.sort()
    return found


def pool_table():
    # one deterministic pool of rows; each file takes a slice of it
    rng = random.Random(42)
    cols = {name: [] for name in SCHEMA.names}
    t0 = datetime(2024, 1, 1)
    d0 = date(1950, 1, 1).toordinal()
    for i in range(POOL_ROWS):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = f"{first}.{last}".lower().translate(str.maketrans("üíé", "uie"))
        cols["id"].append(i)
        cols["email"].append(f"{local}{rng.randint(1, 99)}@example.com")
        cols["full_name"].append(f"{first} {last}")
        cols["amount"].append(round(rng.uniform(1, 1000), 2))
        cols["created_at"].append(t0 + timedelta(seconds=rng.randrange(31 * 86400)))
        cols["active"].append(rng.random() < 0.8)
        cols["city"].append(rng.choice(CITIES))
        cols["quantity"].append(rng.randint(1, 20))
        cols["country"].append(rng.choice(COUNTRIES))
        cols["birth_date"].append(date.fromordinal(d0 + rng.randrange(20000)))
    return pa.table(cols, schema=SCHEMA)


def plan(files, datasets):
    """Yields (relative path, file number) for every file of the lake."""
    width = max(2, len(str(datasets - 1)))
    number = 0
    for ds in range(datasets):
        count = files // datasets + (1 if ds < files % datasets else 0)
        folders = min(DT_FOLDERS, count)
        for k in range(count):
            dt = f"dt=2024-01-{k % folders + 1:02d}"
            yield os.path.join(f"ds_{ds:0{width}d}", dt, f"part-{k // folders}.parquet"), number
            number += 1


def looks_like_our_lake(root):
    return all(re.fullmatch(r"ds_\d+", name) for name in os.listdir(root))


def make(args):
    out = args.out
    if args.files < 1 or args.datasets < 1 or args.rows < 1 or args.rows > POOL_ROWS:
        fail("--files and --datasets must be at least 1, --rows between 1 and 4096")
    if args.datasets > args.files:
        fail("--datasets cannot exceed --files")
    if os.path.isdir(out):
        if len(parquet_files(out)) == args.files:
            print("reused")
            return
        if os.listdir(out) and not looks_like_our_lake(out):
            fail(f"{out} holds other content; remove it or choose another folder")
    elif os.path.exists(out):
        fail(f"{out} exists and is not a folder")

    start = time.perf_counter()
    pool = pool_table()
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    # build next to OUT, then swap in, so OUT is never left half written
    staging = tempfile.mkdtemp(prefix=".lake_footers-", dir=parent)
    try:
        made = set()
        for rel, number in plan(args.files, args.datasets):
            path = os.path.join(staging, rel)
            folder = os.path.dirname(path)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            offset = (number * 97) % (POOL_ROWS - args.rows + 1)
            table = pool.slice(offset, args.rows)
            first_id = number * args.rows
            ids = pa.array(range(first_id, first_id + args.rows), pa.int64())
            table = table.set_column(0, "id", ids)
            pq.write_table(table, path, compression="snappy")
        if os.path.isdir(out):
            shutil.rmtree(out)
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    elapsed = time.perf_counter() - start
    print(f"written {args.files} files in {elapsed:.2f} s")


def time_schemas(paths, runs, filesystem=None):
    """Reads every file's schema in a loop, `runs` times; prints the figures as one JSON line."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for path in paths:
            pq.read_schema(path, filesystem=filesystem)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({
        "files": len(paths),
        "best_seconds": round(min(times), 6),
        "median_seconds": round(median, 6),
        "files_per_second": round(len(paths) / median, 1),
    }))


def footers(args):
    if args.runs < 1:
        fail("--runs must be at least 1")
    if not os.path.isdir(args.out):
        fail(f"{args.out} is not a folder")
    paths = parquet_files(args.out)
    if not paths:
        fail(f"no .parquet files under {args.out}")
    time_schemas(paths, args.runs)


def footers_s3(args):
    import pyarrow.fs as pafs

    if args.runs < 1:
        fail("--runs must be at least 1")
    scheme, _, address = args.endpoint.partition("://")
    fs = pafs.S3FileSystem(
        access_key=os.environ.get("AWS_ACCESS_KEY_ID"),
        secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
        region=os.environ.get("AWS_REGION", "us-east-1"),
        endpoint_override=address,
        scheme=scheme or "http",
    )
    base = f"{args.bucket}/{args.prefix.strip('/')}".rstrip("/")
    infos = fs.get_file_info(pafs.FileSelector(base, recursive=True))
    paths = sorted(i.path for i in infos if i.type == pafs.FileType.File and i.path.endswith(".parquet"))
    if not paths:
        fail(f"no .parquet keys under s3://{base}")
    time_schemas(paths, args.runs, filesystem=fs)


def main():
    parser = argparse.ArgumentParser(prog=PROG, description="Parquet footer reading benchmark peer")
    sub = parser.add_subparsers(dest="command", required=True)
    p_make = sub.add_parser("make", help="write the benchmark lake")
    p_make.add_argument("out", metavar="OUT")
    p_make.add_argument("--files", type=int, default=5000)
    p_make.add_argument("--datasets", type=int, default=50)
    p_make.add_argument("--rows", type=int, default=50)
    p_footers = sub.add_parser("footers", help="time reading every file's schema")
    p_footers.add_argument("out", metavar="OUT")
    p_footers.add_argument("--runs", type=int, default=3)
    p_s3 = sub.add_parser("footers-s3", help="time reading every file's schema over S3")
    p_s3.add_argument("endpoint", metavar="ENDPOINT")
    p_s3.add_argument("bucket", metavar="BUCKET")
    p_s3.add_argument("prefix", metavar="PREFIX")
    p_s3.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    try:
        if args.command == "make":
            make(args)
        elif args.command == "footers-s3":
            footers_s3(args)
        else:
            footers(args)
    except OSError as err:
        fail(str(err))
    except pa.ArrowException as err:
        fail(f"{type(err).__name__}: {err}")


if __name__ == "__main__":
    main()
