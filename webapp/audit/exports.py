"""Audit entries as CSV or JSON Lines, for the admin's export actions; every export is itself recorded."""

import csv
import io
import json

from webapp.audit.chain import canonical

COLUMNS = ("seq", "created_at", "kind", "actor_id", "surface", "object_type", "object_id", "data", "personal",
           "personal_sha256", "personal_erased_at", "prev_hash", "hash")


def entry_row(entry) -> dict:
    row = {name: getattr(entry, name) for name in COLUMNS}
    row["created_at"] = entry.created_at.isoformat()
    row["personal_erased_at"] = entry.personal_erased_at.isoformat() if entry.personal_erased_at else None
    return row


def entries_csv(entries) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for entry in entries:
        row = entry_row(entry)
        writer.writerow([canonical(row[c]) if isinstance(row[c], (dict, list)) else row[c] for c in COLUMNS])
    return out.getvalue()


def entries_jsonl(entries) -> str:
    return "".join(json.dumps(entry_row(entry), ensure_ascii=False) + "\n" for entry in entries)
