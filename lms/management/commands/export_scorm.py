"""Write the course as a SCORM 1.2 package, for a company LMS (Moodle, Cornerstone ...) to import.

One SCO per lesson (lms/scorm.py). The zip is written beside its destination and moved
into place at the end, so a failed export never leaves half a package where an old one was.
"""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms import scorm


class Command(BaseCommand):
    help = "Export lessons (all, or those named with --lesson) as a SCORM 1.2 zip."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Where to write the package, e.g. sharedresp.zip")
        parser.add_argument(
            "--lesson",
            action="append",
            dest="lessons",
            metavar="SLUG",
            help="Only this lesson (repeat for more). Default: every lesson.",
        )

    def handle(self, *args, path, lessons, **options):
        try:
            chosen = scorm.lessons_for(lessons)
        except scorm.UnknownLessonError as error:
            raise CommandError(f"No lesson with the slug: {error}") from error
        if not chosen:
            raise CommandError("There are no lessons to export: run load_content first.")
        destination = Path(path).resolve()
        if not destination.parent.is_dir():
            raise CommandError(f"No such folder: {destination.parent}")
        handle, temporary = tempfile.mkstemp(suffix=".zip", dir=destination.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                scos = scorm.write_package(out, chosen)
            os.replace(temporary, destination)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(f"Wrote {destination} with {len(scos)} lesson(s).")
