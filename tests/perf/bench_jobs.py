"""Background jobs and several app servers: what queuing a job costs a request, how
fast workers back-issue certificates, and two app servers against one.

    .venv/bin/python tests/perf/bench_jobs.py enqueue   [--rounds 20] [--block 100]  (of each kind)
    .venv/bin/python tests/perf/bench_jobs.py backissue [--courses 6] [--members 50] [--repeat 3]
                                                        [--threads 4] [--prefetch N]
    .venv/bin/python tests/perf/bench_jobs.py servers   [--size small] [--seconds 5] [--repeat 3]

Everything runs on this machine's PostgreSQL and Redis: databases ``lms_perf_jobs``
(made afresh) and ``lms_perf_servers_<size>`` (seeded once), Redis keys under a new
``lms-perf-<hex>`` prefix, deleted at the end. Each part prints a Markdown table
and writes ``tests/perf/results/jobs-<part>.json``; README.md, "Background jobs and
several servers", describes the method and the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, redirect_stderr
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.perf import harness, run  # noqa: E402

RESULTS = ROOT / "tests" / "perf" / "results"
REDIS_URL = os.environ.get("LMS_PERF_REDIS_URL", "redis://127.0.0.1:6379/0")
PG_URL = os.environ.get("LMS_PERF_PG_URL", run.DEFAULT_PG)
ENQUEUE_GOAL_MS = 0.3
SPEEDUP_GOAL = 1.6
WORKER_GOAL = 0.8
SERVERS_GOAL = 0.9
BACK_ISSUE_JOB = "certificates.back_issue"
MAIL_BODY = ("Congratulations! Your certificate for “Cataloguing for Everyone: An "
             "Introduction to RDA and Linked Data” is ready: 1.5 CE hours.\n" * 3)


def main() -> None:
    args = parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"part": args.part, "date": datetime.now(UTC).isoformat(timespec="seconds"),
               "commit": run.git_commit(), "command": " ".join(sys.argv),
               "machine": run.machine()}
    payload["rows"] = {"enqueue": enqueue_bench, "backissue": back_issue_bench,
                       "servers": servers_bench}[args.part](args)
    payload["load_avg_after"] = os.getloadavg()
    name = args.out or f"jobs-{args.part}"
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    load = ", ".join(f"{x:.2f}" for x in payload["machine"]["load_avg"])
    print(f"\n{payload['date']}, commit {payload['commit']}, load before {load}, after "
          f"{', '.join(f'{x:.2f}' for x in payload['load_avg_after'])}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=("enqueue", "backissue", "servers"))
    parser.add_argument("--rounds", type=int, default=20, help="enqueue: rounds")
    parser.add_argument("--block", type=int, default=100,
                        help="enqueue: transactions of each kind a round")
    parser.add_argument("--courses", type=int, default=6, help="backissue: jobs (one a course)")
    parser.add_argument("--members", type=int, default=50, help="backissue: members a course")
    parser.add_argument("--threads", type=int, default=4, help="backissue: threads a worker")
    parser.add_argument("--prefetch", type=int, default=0,
                        help="backissue: messages a worker takes ahead (0: the worker's "
                             "default, one a thread)")
    parser.add_argument("--size", default="small", help="servers: seed-scale size")
    parser.add_argument("--seconds", type=int, default=5, help="servers: wrk run length")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="", help="results file name (default jobs-<part>)")
    return parser.parse_args()


def database_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(False)


def new_namespace() -> str:
    return f"lms-perf-{uuid.uuid4().hex[:12]}"


def clear_namespace(namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)
    client.close()


def ms(seconds: float) -> float:
    return round(1000 * seconds, 4)


# --- 1. enqueuing ---------------------------------------------------------------------

def enqueue_bench(args: argparse.Namespace) -> list[dict]:
    """CPU a request spends on ``jobs.enqueue``: blocks of a request-shaped transaction
    (read a member by email, perhaps update it, commit) with and without queuing a mail.

    The request's own CPU is the calling thread's (``time.thread_time``); the process's
    (``process_time``) adds, without a broker, the background thread that then runs the
    job in this process. PostgreSQL's CPU is that of this database's backends (``/proc``).
    """
    from lms import create_app
    from lms.accounts.models import User
    from lms.extensions import db

    url = database_url("lms_perf_jobs")
    run.recreate(url)
    rows = []
    for mode in ("Redis broker", "no broker (in-process thread)"):
        namespace = new_namespace()
        with tempfile.TemporaryDirectory() as folder:
            app = create_app(
                "production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=os.urandom(16).hex(),
                MEDIA_DIR=f"{folder}/media", MAIL_SERVER=None, JOBS_EAGER=False,
                BROKER_URL=REDIS_URL if mode.startswith("Redis") else None,
                JOBS_NAMESPACE=namespace, RATELIMIT_STORAGE_URI="memory://")
            try:
                with app.app_context():
                    db.create_all()
                    if db.session.scalar(select(func.count()).select_from(User)) == 0:
                        db.session.add(User(email="reader@example.org", name="Reader",
                                            certificate_name="Reader", password_hash="x"))
                        db.session.commit()
                    rows.append(_enqueue_mode(app, mode, args.rounds, args.block))
                    db.session.remove()
                    db.engine.dispose()
            finally:
                clear_namespace(namespace)
    print("| broker | transaction | request CPU without | with enqueue | added (range) "
          "| process CPU added | PostgreSQL CPU added | goal |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        for label in ("read", "write"):
            cell = row[label]
            print(f"| {row['mode']} | {label} | {cell['base_ms']:.3f} ms | "
                  f"{cell['with_ms']:.3f} ms | {cell['added_ms']:.3f} ms "
                  f"({cell['added_range_ms'][0]:.3f}–{cell['added_range_ms'][1]:.3f}) | "
                  f"{cell['process_added_ms']:.3f} ms | {cell['database_added_ms']:.3f} ms | "
                  f"≤ {ENQUEUE_GOAL_MS} ms |")
    return rows


def _enqueue_mode(app, mode: str, rounds: int, block: int) -> dict:
    """Four kinds of transaction, interleaved one by one in a shuffled order: read-only
    and writing (one ``UPDATE``, as a request that saves something), each without and
    with a job. Each transaction's CPU is timed alone; a round is ``block`` of each kind,
    and its figure the difference of the medians. Interleaving single transactions
    cancels the machine's drift in speed, which moves blocks timed apart by ±30 %."""
    from lms import jobs
    from lms.accounts.models import User
    from lms.extensions import db
    from lms.jobs.models import Job
    from lms.jobs.queue import get_queue, start_deferred

    queue = get_queue(app)
    shuffle = random.Random(15).shuffle  # noqa: S311 (an order, not a secret)

    def request(writes: bool, queue_mail: bool, n: int) -> None:
        user = db.session.scalars(select(User).where(User.email == "reader@example.org")).one()
        if writes:
            db.session.execute(update(User).where(User.id == user.id)
                               .values(session_version=User.session_version))
        if queue_mail:
            jobs.enqueue("mail.send", to=user.email, subject=f"Reset your password ({n})",
                         body=MAIL_BODY)
        db.session.commit()

    def timed(kind: tuple[bool, bool], n: int) -> tuple[float, float]:
        thread, process = time.thread_time(), time.process_time()
        request(*kind, n)
        start_deferred()  # as the request's teardown does
        thread = time.thread_time() - thread
        queue.wait_for_local_jobs()  # the message sent, or the job run in this process
        return thread, time.process_time() - process

    def timed_round() -> dict[tuple[bool, bool], dict[str, list[float]]]:
        order = [kind for kind in kinds for _ in range(block)]
        shuffle(order)
        times: dict = {kind: {"thread": [], "process": []} for kind in kinds}
        for n, kind in enumerate(order):
            thread, process = timed(kind, n)
            times[kind]["thread"].append(thread)
            times[kind]["process"].append(process)
        return times

    def database_cpu(kind: tuple[bool, bool]) -> float:
        """PostgreSQL's CPU a transaction of this kind, over a block of them (its
        backends' ticks are 10 ms: single transactions cannot be told apart)."""
        backends = _backend_pids("lms_perf_jobs")
        before = _ticks(backends)
        for n in range(block):
            timed(kind, n)
        return (_ticks(_backend_pids("lms_perf_jobs") | backends) - before) \
            / harness.CLOCK_TICKS / block

    kinds = [(writes, queue_mail) for writes in (False, True) for queue_mail in (False, True)]
    rounds_seen = []
    with open(os.devnull, "w") as devnull, redirect_stderr(devnull), \
            app.test_request_context("/reset", method="POST"):
        timed_round()  # warm-up
        for _ in range(rounds):
            rounds_seen.append(timed_round())
        database = {kind: statistics.mean(database_cpu(kind) for _ in range(5))
                    for kind in kinds}
    row = {"mode": mode, "transactions": rounds * block * len(kinds),
           "jobs_recorded": db.session.scalar(select(func.count()).select_from(Job)),
           "goal_ms": ENQUEUE_GOAL_MS}
    for writes in (False, True):
        label = "write" if writes else "read"
        without, with_job = (writes, False), (writes, True)

        def added(field: str, r: dict, without=without, with_job=with_job) -> float:
            return statistics.median(r[with_job][field]) - statistics.median(r[without][field])

        thread_added = [added("thread", r) for r in rounds_seen]
        pooled = {kind: [t for r in rounds_seen for t in r[kind]["thread"]]
                  for kind in (without, with_job)}
        row[label] = {
            "base_ms": ms(statistics.median(pooled[without])),
            "with_ms": ms(statistics.median(pooled[with_job])),
            "added_ms": ms(statistics.median(thread_added)),
            "added_range_ms": [ms(min(thread_added)), ms(max(thread_added))],
            "pooled_added_ms": ms(statistics.median(pooled[with_job])
                                  - statistics.median(pooled[without])),
            "process_added_ms": ms(statistics.median(added("process", r)
                                                     for r in rounds_seen)),
            "database_added_ms": ms(database[with_job] - database[without]),
        }
    return row


def _backend_pids(database: str) -> set[int]:
    engine = create_engine(database_url("postgres"))
    with engine.connect() as conn:
        pids = set(conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = :d "
                                     "AND pid <> pg_backend_pid()"), {"d": database}))
    engine.dispose()
    return pids


def _ticks(pids: set[int]) -> int:
    return sum(harness._cpu_ticks(pid) for pid in pids)


# --- 2. back-issue throughput ------------------------------------------------------------

def back_issue_bench(args: argparse.Namespace) -> list[dict]:
    """``courses`` × ``members`` certificates, three ways, interleaved ``repeat`` times:
    ``back_issue`` called in a loop in this process (no broker; the mails it queues run
    on this process's job thread), then one and two ``flask lms worker`` processes on
    Redis, one back-issue job a course. Last, the same number in ONE course with two
    workers: one job in parts of ``PART`` members, which the workers share."""
    from lms import create_app
    from lms.extensions import db

    url = database_url("lms_perf_jobs")
    run.recreate(url)
    namespace = new_namespace()
    folder = Path(tempfile.mkdtemp(prefix="lms-perf-jobs-"))
    common = {"SQLALCHEMY_DATABASE_URI": url, "MEDIA_DIR": str(folder / "media"),
              "MAIL_SERVER": None, "JOBS_EAGER": False, "LOG_LEVEL": "WARNING",
              "JOBS_NAMESPACE": namespace, "RATELIMIT_STORAGE_URI": "memory://"}
    queued_app = create_app("default", BROKER_URL=REDIS_URL, **common)
    loop_app = create_app("default", BROKER_URL=None, **common)
    try:
        with queued_app.app_context():
            db.create_all()
            admin_id, courses, big = _seed_back_issue(args.courses, args.members)
            db.session.remove()
        total = args.courses * args.members
        runs: list[dict[str, dict]] = []
        for repeat in range(args.repeat):
            print(f"run {repeat + 1} of {args.repeat}", flush=True)
            one = {"loop": _loop(loop_app, admin_id, courses, total)}
            for label, workers in (("1 worker", 1), ("2 workers", 2)):
                one[label] = _with_workers(queued_app, namespace, admin_id, courses, total,
                                           workers, args)
            one["2 workers, one course"] = _with_workers(queued_app, namespace, admin_id, [big],
                                                         total, 2, args)
            runs.append(one)
            print("  " + json.dumps({k: [round(v["seconds"], 2), round(v["cpu_s"], 2)]
                                     for k, v in one.items()}), flush=True)
    finally:
        clear_namespace(namespace)
        shutil.rmtree(folder, ignore_errors=True)
    return _back_issue_report(runs, total, args)


def _seed_back_issue(courses: int, members: int) -> tuple[int, list[int], int]:
    """An admin; ``courses`` courses of ``members`` completed members each, and one big
    course that all those members completed (the single-job case)."""
    from lms.accounts.models import User
    from lms.catalog.models import Course, Enrollment
    from lms.extensions import db

    names = ("Zoë Ørsted-Nguyễn", "Ἀλέξανδρος Παπαδόπουλος", "Пётр Чайковский", "李小龍")
    now = datetime.now(UTC)
    admin = User(email="admin@example.org", name="Admin", certificate_name="Admin",
                 password_hash="x", is_admin=True)
    made = [Course(slug=f"c{n}", title="Cataloguing for Everyone: An Introduction to RDA and "
                   "Linked Data", ce_hours=Decimal("1.5"), status="published",
                   certificate_enabled=True) for n in range(courses + 1)]
    db.session.add_all([admin, *made])
    db.session.flush()
    ids = db.session.scalars(insert(User).returning(User.id), [
        {"email": f"m{n}@example.org", "name": f"M{n}", "password_hash": "x",
         "certificate_name": f"{names[n % len(names)]} {n}", "is_instructor": False,
         "is_admin": False, "is_active": True, "session_version": 1,
         "extra_time_percent": 0, "created_at": now} for n in range(courses * members)]).all()
    done = now - timedelta(days=1)
    rows = [{"user_id": user_id, "course_id": made[n // members].id, "completed_at": done,
             "enrolled_at": done - timedelta(days=9)} for n, user_id in enumerate(ids)]
    rows += [{"user_id": user_id, "course_id": made[-1].id, "completed_at": done,
              "enrolled_at": done - timedelta(days=9)} for user_id in ids]
    db.session.execute(insert(Enrollment), rows)
    db.session.commit()
    return admin.id, [course.id for course in made[:-1]], made[-1].id


def _reset(app) -> None:
    """No certificates, no jobs, no stored PDFs: the next run starts where the first did."""
    from lms.extensions import db

    with app.app_context():
        db.session.execute(text("TRUNCATE certificate, job CASCADE"))
        db.session.commit()
        db.session.remove()
        shutil.rmtree(Path(app.config["MEDIA_DIR"]) / "certificates", ignore_errors=True)


def _loop(app, admin_id: int, courses: list[int], total: int) -> dict:
    from lms.accounts.models import User
    from lms.certificates.backissue import back_issue
    from lms.extensions import db
    from lms.jobs.queue import get_queue

    _reset(app)
    with app.app_context():
        admin = db.session.get(User, admin_id)
        cpu, start = time.process_time(), time.perf_counter()
        issued = 0
        for course_id in courses:
            issued += back_issue(admin, course_id, dry_run=False)
            db.session.commit()
        certificates = time.perf_counter() - start
        get_queue().wait_for_local_jobs()  # the mails, on this process's job thread
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        db.session.remove()
    assert issued == total, issued
    return {"seconds": seconds, "certificates_s": certificates, "cpu_s": cpu}


def _with_workers(app, namespace: str, admin_id: int, courses: list[int], total: int,
                  workers: int, args: argparse.Namespace) -> dict:
    from lms.accounts.models import User
    from lms.certificates.backissue import start_back_issue
    from lms.certificates.models import Certificate
    from lms.extensions import db
    from lms.jobs.models import Job
    from tests.jobs.workers import Worker, wait_until, worker_environment

    _reset(app)
    env = worker_environment(app, namespace, LMS_LOG_LEVEL="WARNING")
    with app.app_context():
        prefetch = ("--prefetch", str(args.prefetch)) if args.prefetch else ()
        running = [Worker(env, args.threads, *prefetch) for _ in range(workers)]
        try:
            cpu_before = [_process_cpu(w.process.pid) for w in running]
            admin = db.session.get(User, admin_id)
            start = time.perf_counter()
            for course_id in courses:
                start_back_issue(admin, course_id)
            db.session.commit()

            def finished(name: str | None = None) -> bool:
                db.session.rollback()
                query = select(func.count()).select_from(Job).where(Job.status != "done")
                if name is not None:
                    query = query.where(Job.name == name)
                failed = db.session.scalar(select(func.count()).select_from(Job)
                                           .where(Job.status == "failed"))
                assert not failed, f"{failed} jobs failed"
                return db.session.scalar(query) == 0

            wait_until(lambda: finished(BACK_ISSUE_JOB), 600, 0.05, "the back-issue jobs")
            certificates = time.perf_counter() - start
            wait_until(finished, 600, 0.05, "every job")
            seconds = time.perf_counter() - start
            cpu = [_process_cpu(w.process.pid) - before
                   for w, before in zip(running, cpu_before, strict=True)]
            issued = db.session.scalar(select(func.count()).select_from(Certificate))
            shares = _jobs_per_worker(db, Job)
        finally:
            for worker in running:
                worker.stop()
        db.session.remove()
    assert issued == total, issued
    return {"seconds": seconds, "certificates_s": certificates, "cpu_s": sum(cpu),
            "cpu_s_per_worker": cpu, "back_issue_jobs_started_at": shares}


def _process_cpu(pid: int) -> float:
    pids = [pid, *harness._children(pid)]
    return _ticks(set(pids)) / harness.CLOCK_TICKS


def _jobs_per_worker(db, job) -> list[str]:
    """When each back-issue job started (how the workers shared them)."""
    started = db.session.scalars(select(job.started_at).where(job.name == BACK_ISSUE_JOB)
                                 .order_by(job.started_at)).all()
    return [moment.isoformat(timespec="milliseconds") for moment in started]


def _back_issue_report(runs: list[dict[str, dict]], total: int,
                       args: argparse.Namespace) -> list[dict]:
    def median(label: str, field: str = "seconds") -> float:
        return statistics.median(r[label][field] for r in runs)

    one_vs_loop = [r["loop"]["seconds"] / r["1 worker"]["seconds"] for r in runs]
    two_vs_one = [r["1 worker"]["seconds"] / r["2 workers"]["seconds"] for r in runs]
    single = [r["1 worker"]["seconds"] / r["2 workers, one course"]["seconds"] for r in runs]
    # On cores shared with other work, wall time cannot show two workers running side by
    # side; how evenly they split the CPU can: one worker's CPU over the busier of two is
    # the speedup they reach on two free cores.
    split = {label: [r["1 worker"]["cpu_s"] / max(r[label]["cpu_s_per_worker"]) for r in runs]
             for label in ("2 workers", "2 workers, one course")}
    prefetch = args.prefetch or args.threads
    print(f"\n| {total} certificates ({args.courses} courses × {args.members}; worker "
          f"--threads {args.threads}, prefetch {prefetch}) | all jobs done, s | certificates, s "
          f"| per s | CPU s |")
    print("|---|---:|---:|---:|---:|")
    for label in runs[0]:
        print(f"| {label} | {median(label):.2f} | {median(label, 'certificates_s'):.2f} | "
              f"{total / median(label):.0f} | {median(label, 'cpu_s'):.2f} |")
    print(f"\none worker / loop: {statistics.median(one_vs_loop):.2f} "
          f"({min(one_vs_loop):.2f}–{max(one_vs_loop):.2f}), goal ≥ {WORKER_GOAL}")
    print(f"two workers / one: {statistics.median(two_vs_one):.2f} "
          f"({min(two_vs_one):.2f}–{max(two_vs_one):.2f}), goal ≥ {SPEEDUP_GOAL}")
    print(f"two workers on one course / one worker on {args.courses}: "
          f"{statistics.median(single):.2f}")
    for label, ratios in split.items():
        print(f"CPU of one worker / of the busier of {label}: {statistics.median(ratios):.2f} "
              f"({min(ratios):.2f}–{max(ratios):.2f})")
    return [{"certificates": total, "courses": args.courses, "members": args.members,
             "threads": args.threads, "prefetch": args.prefetch or args.threads,
             "runs": runs,
             "one_worker_vs_loop": one_vs_loop, "two_vs_one_worker": two_vs_one,
             "two_workers_one_course_vs_one_worker": single, "cpu_split_speedup": split}]


# --- 3. two app servers against one -------------------------------------------------------

#: One server of two workers; the same without Redis (limits in memory, no broker);
#: two servers of one worker each.
LAYOUTS = ("one", "one, no Redis", "two")
PAGES = ("healthz", "catalog", "course page (logged in)", "player (video)",
         "progress report POST")


def servers_bench(args: argparse.Namespace) -> list[dict]:
    """Two gunicorn servers of one sync worker each against one server of two workers.

    Both layouts share PostgreSQL and Redis (broker and rate-limit counters, as on
    several app servers) and one secret key, so member 1's session cookie works on
    any server; a third layout is the one server without Redis. All five servers run
    from start to end and the layouts take turns page by page, in an order that
    rotates, so a change in the machine's load falls on all of them alike. The load
    is the same for each: two wrk processes of 1 thread and 4 connections, both on
    the one server or one on each of the two (round robin by connection); a page's
    figure is the sum of their requests per second.
    """
    from tests.perf.scenarios import LOGIN, find_targets, scenarios

    url = database_url(f"lms_perf_servers_{args.size}")
    run.ensure_seeded(url, args.size, 1, False)
    engine = create_engine(url)
    targets = find_targets(engine, 1)
    engine.dispose()
    chosen = [s for s in scenarios(targets) if s.name in PAGES]
    namespace = new_namespace()
    env = {"LMS_SECRET_KEY": "perf-" + os.urandom(16).hex(), "LMS_BROKER_URL": REDIS_URL,
           "LMS_JOBS_NAMESPACE": namespace, "LMS_RATELIMIT_NAMESPACE": namespace + "-limits"}
    local = {**env, "LMS_BROKER_URL": "", "LMS_RATELIMIT_STORAGE_URI": "memory://"}
    log = RESULTS / "gunicorn-servers.log"
    runs: list[dict[str, dict]] = [{layout: {} for layout in LAYOUTS} for _ in range(args.repeat)]
    try:
        with ExitStack() as stack:
            def server(workers: int, environment: dict[str, str]) -> harness.Server:
                return stack.enter_context(harness.Server(url, log, workers=workers,
                                                          env=environment))

            one, first, second, alone = server(2, env), server(1, env), server(1, env), \
                server(2, local)
            layouts = {"one": ([one, one], [one]), "two": ([first, second], [first, second]),
                       "one, no Redis": ([alone, alone], [alone])}
            cookie = harness.login(one.url, LOGIN["email"], LOGIN["password"])
            turn = 0
            for repeat in range(args.repeat):
                for scenario in chosen:
                    order = LAYOUTS[turn % 3:] + LAYOUTS[:turn % 3]
                    turn += 1
                    for layout in order:
                        runs[repeat][layout][scenario.name] = _measure_layout(
                            layouts[layout], scenario, targets, cookie, args)
                print(f"  run {repeat + 1}: " + "; ".join(
                    f"{layout} " + ", ".join(f"{row['rps']:.0f}"
                                             for row in runs[repeat][layout].values())
                    for layout in LAYOUTS), flush=True)
    finally:
        clear_namespace(namespace)
    return _servers_report(runs, [s.name for s in chosen])


def _measure_layout(layout, scenario, targets, cookie: str, args: argparse.Namespace) -> dict:
    wrk_targets, servers = layout
    headers = run.auth_headers(scenario, targets, cookie)
    script = (harness.lua_script(scenario.method, scenario.body, targets.member_tokens())
              if scenario.auth == "member tokens" else None)
    for server in servers:  # warm every worker: outlines and pages are kept per process
        for _ in range(4 * server.workers):
            requests.request(scenario.method, server.url + scenario.path, data=scenario.body,
                             headers={**headers, "User-Agent": harness.USER_AGENT,
                                      "Content-Type": "application/json"},
                             timeout=60, allow_redirects=False)
    cpu_before = sum(server.cpu_seconds() for server in servers)
    with ThreadPoolExecutor(2) as pool:
        loads = [pool.submit(harness.run_wrk, server.url + scenario.path, args.seconds,
                             {} if script else headers, script, threads=1, connections=4)
                 for server in wrk_targets]
        results = [load.result() for load in loads]
    cpu = sum(server.cpu_seconds() for server in servers) - cpu_before
    done = sum(r.requests for r in results)
    time.sleep(0.5)
    return {"rps": round(sum(r.rps for r in results), 1),
            "p99_ms": round(max(r.p99_ms for r in results), 2),
            "errors": sum(r.errors for r in results),
            "cpu_ms": round(1000 * cpu / max(1, done), 3)}


def _servers_report(runs: list[dict[str, dict]], names: list[str]) -> list[dict]:
    print("\n| page | one server -w 2 | of /healthz | two servers -w 1 | of /healthz "
          "| two / one | one without Redis / with | CPU ms/req: one, two, one without Redis "
          "| CPU two / one |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for name in names:
        row: dict = {"page": name, "goal": SERVERS_GOAL, "runs": [
            {layout: run[layout][name] for layout in LAYOUTS} for run in runs]}
        for label, (top, bottom, field) in {
                "two_vs_one": ("two", "one", "rps"),
                "no_redis_vs_redis": ("one, no Redis", "one", "rps"),
                "cpu_two_vs_one": ("two", "one", "cpu_ms")}.items():
            ratios = [r[top][name][field] / r[bottom][name][field] for r in runs]
            row[label] = {"median": statistics.median(ratios), "range": [min(ratios),
                                                                         max(ratios)]}
        for layout in LAYOUTS:
            row[layout] = {
                "rps": statistics.median(r[layout][name]["rps"] for r in runs),
                "of_healthz": statistics.median(r[layout][name]["rps"]
                                                / r[layout]["healthz"]["rps"] for r in runs),
                "cpu_ms": statistics.median(r[layout][name]["cpu_ms"] for r in runs),
                "errors": sum(r[layout][name]["errors"] for r in runs)}
        rows.append(row)
        two, free, cpu = row["two_vs_one"], row["no_redis_vs_redis"], row["cpu_two_vs_one"]
        print(f"| {name} | {row['one']['rps']:.0f} | {100 * row['one']['of_healthz']:.0f}% | "
              f"{row['two']['rps']:.0f} | {100 * row['two']['of_healthz']:.0f}% | "
              f"{100 * two['median']:.0f}% ({100 * two['range'][0]:.0f}–"
              f"{100 * two['range'][1]:.0f}) | {100 * free['median']:.0f}% | "
              f"{row['one']['cpu_ms']:.2f}, {row['two']['cpu_ms']:.2f}, "
              f"{row['one, no Redis']['cpu_ms']:.2f} | {100 * cpu['median']:.0f}% "
              f"({100 * cpu['range'][0]:.0f}–{100 * cpu['range'][1]:.0f}) |")
    errors = sum(row[layout]["errors"] for row in rows for layout in LAYOUTS)
    print(f"\nrequests per second are medians of {len(runs)} runs; errors: {errors}")
    return rows


if __name__ == "__main__":
    main()
