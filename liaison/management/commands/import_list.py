from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from liaison.bulk import KINDS, format_of, import_file


class Command(BaseCommand):
    help = (
        "Import one of the scheme's lists (units, cadres, platforms, assignments) from FILE (.xlsx or .csv), "
        "all or nothing, through the same services as every other change. --dry-run shows what would change "
        "and every bad row, and changes nothing. Exits with status 1 when any row is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and show the changes; keep nothing")

    def handle(self, *args, kind, file, dry_run, **options):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        try:
            result = import_file(kind=kind, content=content, file_format=format_of(path.name), dry_run=dry_run)
        except ValidationError as error:
            raise CommandError(f"{file}: {' '.join(error.messages)}") from None
        for error in result.errors:
            where = f"row {error.row}" + (f", column {error.column}" if error.column else "")
            self.stderr.write(f"{where}: {error.message}")
        counts = result.counts
        summary = f"{kind}: {counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged"
        if result.errors:
            raise CommandError(f"{summary}; {len(result.errors)} problem(s): nothing was imported.")
        for row in result.rows:
            if row.status != "unchanged" and options["verbosity"] > 1:
                self.stdout.write(f"row {row.row}: {row.status} {row.label} {', '.join(row.changes)}")
        self.stdout.write(summary + (" (dry run: nothing was kept)" if dry_run else ""))
