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

page = f'''SELECT {INSPECTION_COLUMNS} FROM "inspections" WHERE (("inspections"."published_on" <= '{today}') AND (("inspections"."all_forces" = true) OR ("inspections"."id" = ANY(SELECT "inspection_forces"."inspection_id" FROM "inspection_forces" WHERE ("inspection_forces"."force_id" = '{force}'))))) ORDER BY "inspections"."published_on" DESC, "inspections"."id" DESC LIMIT 21'''
ids = psql(page.replace(INSPECTION_COLUMNS, '"inspections"."id"'))[:20]
w1 = [
    f'''SELECT "forces"."kind" FROM "forces" WHERE ("forces"."id" = '{force}') LIMIT 1;''',
    f'''SELECT "forces"."kind" FROM "forces" WHERE ("forces"."id" = '{force}') LIMIT 1;''',
    page + ";",
    f'''SELECT "inspection_forces"."inspection_id", "inspection_forces"."force_id" FROM "inspection_forces" WHERE ("inspection_forces"."inspection_id" = ANY({arr(ids)})) ORDER BY "inspection_forces"."inspection_id", "inspection_forces"."force_id";''',
    f'''SELECT "force_responses"."inspection_id", "force_responses"."status" FROM "force_responses" WHERE (("force_responses"."force_id" = '{force}') AND ("force_responses"."inspection_id" = ANY({arr(ids)})));''',
    f'''SELECT "pcc_responses"."inspection_id", "pcc_responses"."status", "pcc_responses"."first_published_at" FROM "pcc_responses" WHERE (("pcc_responses"."force_id" = '{force}') AND ("pcc_responses"."inspection_id" = ANY({arr(ids)})));''',
]

items = psql(f"SELECT id FROM items WHERE inspection_id = '{national}'")
counts = ", ".join(
    [f'''count(CASE WHEN (("actions"."status" = '{s}')) THEN (1) END)''' for s in
     ("planned", "in_progress", "blocked", "pending_sign_off", "done", "cancelled")]
    + [f'''count(CASE WHEN ((("actions"."status" != ALL('{{done,cancelled}}')) AND ("actions"."due_on" < '{today}'))) THEN (1) END)'''])
# The forces whose responses an analyst sees: those that submitted their response.
forces = psql(f"SELECT DISTINCT force_id FROM force_responses WHERE inspection_id = '{national}' AND status = 'submitted'")
w3 = [
    f'''SELECT {INSPECTION_COLUMNS} FROM "inspections" WHERE ("inspections"."id" = '{national}') LIMIT 1;''',
    f'''SELECT "inspection_forces"."inspection_id", "inspection_forces"."force_id" FROM "inspection_forces" WHERE ("inspection_forces"."inspection_id" = ANY('{{{national}}}')) ORDER BY "inspection_forces"."inspection_id", "inspection_forces"."force_id";''',
    f'''SELECT "items"."id", "items"."inspection_id", "items"."kind", "items"."number", "items"."text", "items"."to_chief_constables", "items"."to_policing_bodies", "items"."addressee_forces", "items"."other_bodies", "items"."due_on", "items"."version", "items"."created_at", "items"."updated_at" FROM "items" WHERE ("items"."inspection_id" = ANY('{{{national}}}'));''',
    f'''SELECT "item_responses"."force_id", "item_responses"."item_id", "item_responses"."inspection_id", "item_responses"."acceptance", "item_responses"."response", "item_responses"."hmicfrs_status", "item_responses"."version", "item_responses"."created_at", "item_responses"."updated_at" FROM "item_responses" WHERE ("item_responses"."item_id" = ANY({arr(items)})) ORDER BY "item_responses"."item_id", "item_responses"."force_id";''',
    f'''SELECT "force_responses"."force_id", "force_responses"."inspection_id" FROM "force_responses" WHERE (("force_responses"."inspection_id" = ANY('{{{national}}}')) AND ("force_responses"."status" = 'submitted'));''',
    f'''SELECT "actions"."force_id", "items"."inspection_id", "actions"."item_id", {counts} FROM ("actions" INNER JOIN "items" ON ("items"."id" = "actions"."item_id")) WHERE (("actions"."force_id" = ANY({arr(forces)})) AND ("items"."inspection_id" = ANY('{{{national}}}'))) GROUP BY "actions"."force_id", "items"."inspection_id", "actions"."item_id";''',
]

for name, statements in (("w1", w1), ("w3", w3)):
    with open(f"{out}/{name}.sql", "w") as f:
        f.write("\n".join(statements) + "\n")
