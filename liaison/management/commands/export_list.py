from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liaison.bulk import EXPORT_KINDS, FORMATS, KIND_MODELS, export_bytes


class Command(BaseCommand):
    help = (
        "Write one of the scheme's lists (units, cadres, platforms, assignments: who serves what now; contacts) "
        "to FILE, as .xlsx or .csv by its extension, with the fixed Chinese headers. import_list reads it back "
        "as nothing changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=EXPORT_KINDS)
        parser.add_argument("file")

    def handle(self, *args, kind, file, **options):
        path = Path(file)
        file_format = path.suffix.lstrip(".").lower()
        if file_format not in FORMATS:
            raise CommandError(f"{file}: the file name must end in .xlsx or .csv")
        content = export_bytes(kind=kind, queryset=KIND_MODELS[kind].objects.all(), file_format=file_format)
        path.write_bytes(content)
        self.stdout.write(f"{kind}: written to {file}")
