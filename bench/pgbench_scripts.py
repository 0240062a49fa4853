#!/usr/bin/env python3
"""Writes pgbench scripts holding the SQL statements the service runs for W1 (a force's
worklist page) and W3 (the national query on one inspection), as the service sends them
(captured from PostgreSQL's statement log), with the values of one request inlined.

usage: pgbench_scripts.py DATABASE_URL FORCE NATIONAL_INSPECTION_ID OUT_DIR
"""
import datetime
import subprocess
import sys

url, force, national, out = sys.argv[1:]
today = datetime.date.today().isoformat()


def psql(sql):
    return subprocess.run(["psql", url, "-qtAc", sql], check=True, capture_output=True, text=True).stdout.split()


def arr(ids):
    return "'{" + ",".join(ids) + "}'"


INSPECTION_COLUMNS = ('"inspections"."id", "inspections"."title", "inspections"."published_on", '
    '"inspections"."publication_types", "inspections"."report_url", "inspections"."key_findings", '
    '"inspections"."all_forces", "inspections"."section55_deadline", "inspections"."deadline_explicit", '
    '"inspections"."version", "inspections"."created_at", "inspections"."updated_at"')

# Each statement as the service sends it, its bind parameters written as pgbench variables.
V = {"today": today, "force": force, "national": national, "one": "1", "yes": "true",
     "submitted": "submitted", "page_limit": "21"}
page = ('SELECT {cols} FROM "inspections" WHERE (("inspections"."published_on" <= :today) AND '
        '(("inspections"."all_forces" = :yes) OR ("inspections"."id" = ANY(SELECT "inspection_forces"."inspection_id" '
        'FROM "inspection_forces" WHERE ("inspection_forces"."force_id" = :force))))) '
        'ORDER BY "inspections"."published_on" DESC, "inspections"."id" DESC LIMIT :page_limit')


def literal(sql):
    """The statement with its values written in (pgbench then plans it once, when prepared)."""
    for name in sorted(V, key=len, reverse=True):
        value = V[name]
        lit = value if name in ("one", "yes", "page_limit") else "'" + value.replace("'", "''") + "'"
        sql = sql.replace(":" + name, lit)
    return sql


ids = psql(literal(page.format(cols='"inspections"."id"')))[:20]
V["page_ids"] = "{" + ",".join(ids) + "}"
w1 = [
    'SELECT "forces"."kind" FROM "forces" WHERE ("forces"."id" = :force) LIMIT :one;',
    page.format(cols=INSPECTION_COLUMNS) + ";",
    'SELECT "inspection_forces"."inspection_id", "inspection_forces"."force_id" FROM "inspection_forces" WHERE ("inspection_forces"."inspection_id" = ANY(:page_ids)) ORDER BY "inspection_forces"."inspection_id", "inspection_forces"."force_id";',
    'SELECT "force_responses"."inspection_id", "force_responses"."status" FROM "force_responses" WHERE (("force_responses"."force_id" = :force) AND ("force_responses"."inspection_id" = ANY(:page_ids)));',
    'SELECT "pcc_responses"."inspection_id", "pcc_responses"."status", "pcc_responses"."first_published_at" FROM "pcc_responses" WHERE (("pcc_responses"."force_id" = :force) AND ("pcc_responses"."inspection_id" = ANY(:page_ids)));',
]

V["items"] = "{" + ",".join(psql(f"SELECT id FROM items WHERE inspection_id = '{national}'")) + "}"
V["national_ids"] = "{" + national + "}"
w3 = [
    f'SELECT {INSPECTION_COLUMNS} FROM "inspections" WHERE ("inspections"."id" = :national) LIMIT :one;',
    'SELECT "inspection_forces"."inspection_id", "inspection_forces"."force_id" FROM "inspection_forces" WHERE ("inspection_forces"."inspection_id" = ANY(:national_ids)) ORDER BY "inspection_forces"."inspection_id", "inspection_forces"."force_id";',
    # W3 asks none of the items' or responses' wider fields: the service reads them narrow.
    'SELECT "items"."id", "items"."inspection_id", "items"."kind", "items"."number" FROM "items" WHERE ("items"."inspection_id" = ANY(:national_ids));',
    # The responses, each with its tally of actions (migration 000006), from which the service
    # counts the actions: one statement for both.
    'SELECT "item_responses"."force_id", "item_responses"."item_id", "item_responses"."inspection_id", "item_responses"."acceptance", "item_responses"."hmicfrs_status", "item_responses"."actions_planned", "item_responses"."actions_in_progress", "item_responses"."actions_blocked", "item_responses"."actions_pending_sign_off", "item_responses"."actions_done", "item_responses"."actions_cancelled", "item_responses"."actions_open_due" FROM "item_responses" WHERE ("item_responses"."item_id" = ANY(:items)) ORDER BY "item_responses"."item_id", "item_responses"."force_id";',
    'SELECT "force_responses"."force_id", "force_responses"."inspection_id" FROM "force_responses" WHERE (("force_responses"."inspection_id" = ANY(:national_ids)) AND ("force_responses"."status" = :submitted));',
]

# Two scripts each: NAME.sql with the values written in (prepared once and planned once, as a
# client that never binds would run it) and NAME-bound.sql with the values bound as parameters
# (NAME.vars holds them, for pgbench's -D): prepared once and planned at each execution with its
# values, as PostgreSQL plans the service's statements.
for name, statements in (("w1", w1), ("w3", w3)):
    with open(f"{out}/{name}.sql", "w") as f:
        f.write("\n".join(literal(st) for st in statements) + "\n")
    with open(f"{out}/{name}-bound.sql", "w") as f:
        f.write("\n".join(statements) + "\n")
    used = sorted({v for st in statements for v in V if ":" + v in st})
    with open(f"{out}/{name}.vars", "w") as f:
        f.write("\n".join(f"{v}={V[v]}" for v in used) + "\n")
