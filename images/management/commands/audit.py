import json
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from images.audit import Audit, AuditOptions, Report, audit_targets
from images.choices import AuditKind

MiB = 1024 * 1024
# The exit status of a run that found data lost or unreadable, or a store it could not audit: what a
# timer or cron job should alert on. Orphans and stale staged data are housekeeping (status 0).
NEEDS_ATTENTION = 2
ALERTING_KINDS = (AuditKind.MISSING, AuditKind.CORRUPT, AuditKind.ERROR)


class Command(BaseCommand):
    help = ("Audit the stores: every copy of an active or deactivated image read back (at --max-rate) and "
            "compared with the image's size, checksum and os_hash_value; data no image points at, staged data "
            "no import owns and this node's cache files without rows listed. --fix removes orphans older than "
            "--grace-hours and marks bad copies (see README). Safe to run on several nodes at once.")

    def add_arguments(self, parser):
        parser.add_argument("--store", action="append", default=[], metavar="ID",
                            help="audit only this store (an IMAGE_STORES id, os_glance_staging_store or cache); "
                                 "repeatable")
        parser.add_argument("--no-hash", action="store_true", help="compare sizes only (no data is read)")
        parser.add_argument("--max-rate", type=int, default=None,
                            help="bytes per second read, over the run (default AUDIT_MAX_RATE); 0: unlimited")
        parser.add_argument("--fix", action="store_true", help="remove old orphans, mark missing or corrupt copies")
        parser.add_argument("--grace-hours", type=float, default=None,
                            help="age an orphan must have for --fix to remove it (default AUDIT_ORPHAN_GRACE_HOURS)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        audit = Audit(self._options(options), ProgressReport(self.stderr))
        started = time.monotonic()
        run = audit.run()
        elapsed = time.monotonic() - started
        if options["json"]:
            self.stdout.write(json.dumps(report_json(run, audit), indent=2))
            self.stderr.write(summary_line(run, audit, elapsed))
        else:
            for finding in audit.findings:
                self.stdout.write(finding_line(finding))
            self.stdout.write(summary_line(run, audit, elapsed))
        if any(run.counts.get(kind) for kind in ALERTING_KINDS):
            raise SystemExit(NEEDS_ATTENTION)

    def _options(self, options):
        known = audit_targets()
        unknown = [store for store in options["store"] if store not in known]
        if unknown:
            raise CommandError(f"--store {unknown[0]!r} is not something this node can audit; known: "
                               f"{', '.join(known)}.")
        rate = settings.AUDIT_MAX_RATE if options["max_rate"] is None else options["max_rate"]
        grace = settings.AUDIT_ORPHAN_GRACE_HOURS if options["grace_hours"] is None else options["grace_hours"]
        if rate < 0:
            raise CommandError(f"--max-rate {rate} must be 0 (unlimited) or a number of bytes per second.")
        if grace < 0:
            raise CommandError(f"--grace-hours {grace} must not be negative.")
        return AuditOptions(stores=tuple(dict.fromkeys(options["store"])), hash=not options["no_hash"],
                            max_rate=rate, fix=options["fix"], grace=timedelta(hours=grace))


class ProgressReport(Report):
    """One line per item checked, and the bytes read of a long one, on standard error."""

    def __init__(self, out):
        self.out = out

    def item(self, store, url, size, verdict):
        self.out.write(f"  [{store}] {url}: {'?' if size is None else size} byte(s), {verdict}")

    def reading(self, url, done, total):
        self.out.write(f"    {url}: {done // MiB} of {(total or 0) // MiB} MiB read")


def finding_line(finding):
    image = f" image {finding.image_id}" if finding.image_id else ""
    action = f" [{finding.action}]" if finding.action else ""
    return f"{finding.kind:<12} {finding.store:<24} {finding.url}{image}: {finding.detail}{action}"


def summary_line(run, audit, elapsed):
    counts = ", ".join(f"{run.counts.get(kind, 0)} {kind}" for kind in AuditKind.values)
    return (f"Audited {', '.join(run.stores) or 'nothing'}: {audit.items} item(s) checked, {audit.bytes_read} "
            f"byte(s) read in {elapsed:.1f}s; {counts}{' (fixed)' if run.fix else ''}. Audit run {run.pk}.")


def report_json(run, audit):
    return {
        "run": run.pk, "node": run.node, "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat(), "stores": run.stores, "hashed": run.hashed, "fix": run.fix,
        "max_rate": audit.options.max_rate, "grace_hours": audit.options.grace.total_seconds() / 3600,
        "findings": [finding.as_dict() for finding in audit.findings],
        "summary": {"items": audit.items, "bytes_read": audit.bytes_read, **run.counts},
    }
