"""In-process look at list requests: how many SQL queries each costs, and the plan of its page query.

    manage.py shell -c "from bench._plans import report; report('scenarios.json')"

The scenarios file is a JSON list of [path, headers]; the last line printed is a JSON list of
{"queries": n, "sql": ..., "plan": [...]} in the same order. The page query is the one
with the request's LIMIT; its plan is EXPLAIN QUERY PLAN on SQLite, EXPLAIN on MariaDB.
"""
import json
import re
from urllib.parse import parse_qs, urlsplit

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def _meta(headers):
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


def _page_sql(queries, path):
    limit = parse_qs(urlsplit(path).query).get("limit", ["25"])[0]
    pages = [q["sql"] for q in queries if re.search(rf"\bLIMIT {limit}\b", q["sql"]) and "images_image" in q["sql"]]
    return pages[-1] if pages else None


def explain(sql):
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return [f"{row[1]:>3} {row[3]}" for row in rows]
    # id, select_type, table, type, possible_keys, key, key_len, ref, rows, Extra
    return [f"{r[0]} {r[1]} {r[2]} type={r[3]} key={r[5]} rows={r[8]} {r[9] or ''}" for r in rows]


def report(scenarios_file):
    client, results = Client(), []
    with open(scenarios_file) as handle:
        scenarios = json.load(handle)
    # The first request of a process opens the connection and reads the schema: not a list's cost.
    client.get(scenarios[0][0], **_meta(scenarios[0][1]))
    for path, headers in scenarios:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, **_meta(headers))
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        sql = _page_sql(queries.captured_queries, path)
        results.append({"queries": len(queries), "sql": sql, "plan": explain(sql) if sql else []})
    print(json.dumps(results))
